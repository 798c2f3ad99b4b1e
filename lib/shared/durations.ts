import { invalidInput, quote } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The longest duration orc accepts anywhere (ttls, waits, timeouts): a year. Beyond it a deadline
 * soon overflows what a Date can hold (`100000000d` made "Invalid time value" deep in a command).
 */
export const MAX_DURATION_MS = 365 * UNITS.d!;
/** The range, as said in every refusal. */
export const DURATION_RANGE = '1ms to 365d';

/**
 * Parses `90`, `90s`, `15m`, `2h`, `1d` (a bare number is seconds) into milliseconds, from 1 ms to
 * `max` (a year unless said otherwise); anything else is INVALID_INPUT naming `what` and the range.
 */
export function parseDuration(value: unknown, what = 'duration', max = MAX_DURATION_MS): number {
  const range = max === MAX_DURATION_MS ? DURATION_RANGE : `1ms to ${Math.floor(max / UNITS.d!)}d`;
  // A number is shown as YAML gave it (quote() would print Infinity as null).
  const shown = typeof value === 'number' ? String(value) : quote(value);
  let ms: number;
  if (typeof value === 'number') ms = Math.round(value * 1000);
  else {
    const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value) : null;
    if (!match)
      throw invalidInput(
        `${what} ${shown} is not a duration: give one from ${range}, e.g. 30s, 15m, 2h or 1d`,
        { field: what },
      );
    ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
  }
  if (Number.isNaN(ms) || ms < 1)
    throw invalidInput(`${what} ${shown} must be greater than zero: give a duration from ${range}`, {
      field: what,
    });
  if (ms > max)
    throw invalidInput(`${what} ${shown} is too long: give a duration from ${range}`, { field: what });
  return ms;
}

/**
 * A duration already in milliseconds (a library caller's `ttlMs`), checked against the same range
 * as parseDuration: INVALID_INPUT naming `field` instead of "Invalid time value" deep inside.
 */
export function checkDurationMs<T extends number | undefined>(ms: T, field: string): T {
  if (ms === undefined || (Number.isFinite(ms) && ms >= 1 && ms <= MAX_DURATION_MS)) return ms;
  throw invalidInput(
    `${field} ${String(ms)} is out of range: give milliseconds from 1 to ${MAX_DURATION_MS} (365d)`,
    { field },
  );
}

/** How far back `--since` may reach as a duration: a century. */
const MAX_SINCE_MS = 36_500 * UNITS.d!;

/** Parses `--since`: an ISO date/time, or a duration meaning "that long ago". */
export function parseSince(value: string, now = Date.now(), field = 'since'): number {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/.test(value))
    return now - parseDuration(value, field, MAX_SINCE_MS);
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw invalidInput(`${field} ${quote(value)} is neither a date nor a duration such as 10m`, { field });
  return time;
}
export function formatAge(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 360) / 10}h`;
  return `${Math.round(s / 8640) / 10}d`;
}
