import { subsystems } from '../lib/cli.js';

// Every option is parsed by the command before it calls the library, so that a bad one is refused
// before anything is written (a claim made and then lost to a bad --budget is worse than no claim).

const { invalidInput, jsonDepth, MAX_JSON_DEPTH, parseDuration, quote } = await subsystems.shared();

/**
 * A whole-number flag's value within bounds, or INVALID_INPUT naming the flag and what was given.
 * Only digits count: `Number()` would read '' as 0 and '1e3' as 1000.
 */
export function wholeNumberOption(flag: string, raw: string, min: number, max?: number): number {
  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max)) return value;
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  throw invalidInput(`${flag} must be a whole number ${range}, not ${quote(raw)}`);
}

/** An optional whole-number flag: undefined when not given. */
export function optionalWholeNumber(flag: string, raw: string | undefined, min: number, max?: number) {
  return raw === undefined ? undefined : wholeNumberOption(flag, raw, min, max);
}

/** The character budget of a brief (`--budget`). */
export const briefBudgetOption = (raw: string | undefined) =>
  optionalWholeNumber('--budget', raw, 500, 1_000_000);

/** A duration flag (`--ttl 30m`, `--wait 90`) in milliseconds; undefined when not given. */
export const durationOption = (flag: string, raw: string | undefined) =>
  raw === undefined ? undefined : parseDuration(raw, flag);

/** A flag that takes one of a few words; undefined when not given. */
export function choiceOption<T extends string>(
  flag: string,
  raw: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined || choices.includes(raw as T)) return raw as T | undefined;
  throw invalidInput(`${flag} ${quote(raw)} must be one of ${choices.join(', ')}`);
}

/** A text flag that must say something when given (a commit message); undefined when not given. */
export function textOption(flag: string, raw: string | undefined): string | undefined {
  if (raw !== undefined && raw.trim() === '') throw invalidInput(`${flag} must not be empty`);
  return raw;
}

/** `--actor`: recorded in every event, so one line of 1 to 100 characters. */
export function actorOption(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (raw.trim() === '' || raw.length > 100 || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw invalidInput(`--actor ${quote(raw)} must be one line of 1 to 100 characters`);
  }
  return raw;
}

/** A JSON object given on the command line (event data). */
export function jsonObjectArgument(
  what: string,
  raw: string | undefined,
): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  if (jsonDepth(raw) > MAX_JSON_DEPTH)
    throw invalidInput(`${what} nests deeper than ${MAX_JSON_DEPTH} levels: give flatter JSON`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidInput(`${what} ${quote(raw)} is not JSON: pass an object such as '{"version":"2.0"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidInput(`${what} ${quote(raw)} must be a JSON object such as '{"version":"2.0"}'`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * A number typed on the command line, for an operation whose field is a number: digits become the
 * number; anything else is passed on as typed, so the operation's check names it ("must be a whole
 * number, not the string …").
 */
export function numberOrText(raw: string | undefined): number | string | undefined {
  return raw !== undefined && /^\s*-?\d{1,15}\s*$/.test(raw) ? Number(raw) : raw;
}

/**
 * The optional `[description] [priority]` arguments of `t add` and `ws create`, or their flags
 * `-d/--description` and `-p/--priority` (not both). A bare number where the description goes is the
 * priority: `t add backend "Seed data" 2` must not store a description reading "2".
 */
export function descriptionAndPriority(
  positional: [string?, string?],
  flags: { description?: string; priority?: string },
): { description?: string; priority?: string } {
  let [description, priority] = positional;
  if (priority === undefined && description !== undefined && /^\s*\d{1,2}\s*$/.test(description))
    [description, priority] = [undefined, description];
  for (const [field, value, flag] of [
    ['description', description, flags.description],
    ['priority', priority, flags.priority],
  ] as const) {
    if (value !== undefined && flag !== undefined)
      throw invalidInput(`${field}: given twice, as an argument and as --${field}; keep one`, { field });
  }
  return { description: description ?? flags.description, priority: priority ?? flags.priority };
}
