import { invalidInput, quote } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90`, `90s`, `15m`, `2h`, `1d` (a bare number is seconds) into milliseconds. */
export function parseDuration(value: unknown, what = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value * 1000);
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value) : null;
  if (!match) throw invalidInput(`${what} ${quote(value)} is not a duration: use e.g. 30s, 15m, 2h or 1d`);
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
  if (ms <= 0) throw invalidInput(`${what} ${quote(value)} must be greater than zero`);
  return ms;
}

/** Parses `--since`: an ISO date/time, or a duration meaning "that long ago". */
export function parseSince(value: string, now = Date.now()): number {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/.test(value)) return now - parseDuration(value, '--since');
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw invalidInput(`--since ${quote(value)} is neither a date nor a duration such as 10m`);
  return time;
}

export function formatAge(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 360) / 10}h`;
  return `${Math.round(s / 8640) / 10}d`;
}
