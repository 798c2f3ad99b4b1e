import { subsystems } from '../lib/cli.js';

const { invalidInput, quote } = await subsystems.shared();

/** A whole-number flag's value within bounds, or INVALID_INPUT naming the flag and what was given. */
export function wholeNumberOption(flag: string, raw: string, min: number, max?: number): number {
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return value;
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  throw invalidInput(`${flag} must be a whole number ${range}, not ${quote(raw)}`);
}
