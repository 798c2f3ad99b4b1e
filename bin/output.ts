import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';

/** What every command handler gets: parsed global options and the ways to print. */
export interface Context {
  json: boolean;
  dir?: string;
  actor?: string;
  /** How this orc was invoked (for commands printed back to agents). */
  invocation: string;
}

const colorOn = !process.env.NO_COLOR && (Boolean(process.env.FORCE_COLOR) || process.stdout.isTTY === true);

let chalk: ChalkInstance | undefined;

/**
 * Colours, off when NO_COLOR is set or stdout is not a terminal. chalk is loaded on first use, so
 * `--json` calls (what agents make) never pay for it.
 */
export const c = new Proxy({} as ChalkInstance, {
  get(_target, key) {
    if (!chalk) {
      const { Chalk } = createRequire(import.meta.url)('chalk') as typeof import('chalk');
      chalk = new Chalk({ level: colorOn ? 1 : 0 });
    }
    return chalk[key as keyof ChalkInstance];
  },
});

/** One JSON document on stdout, compact: agents pay for every byte in tokens. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function warn(ctx: Context, message: string, code = 'WARNING'): void {
  process.stderr.write(
    ctx.json ? `${JSON.stringify({ warning: { code, message } })}\n` : `${c.yellow('warning:')} ${message}\n`,
  );
}

/** A table for people; cli-table3 is loaded only when a table is printed. */
export async function table(head: string[], rows: Array<Array<string | number>>): Promise<string> {
  const Table = createRequire(import.meta.url)('cli-table3') as typeof import('cli-table3');
  const t = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

/** One line of text from user content, for tables: newlines folded, cut to `max`. */
export function cell(text: string | null | undefined, max = 50): string {
  const one = (text ?? '').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function statusColor(status: string): string {
  switch (status) {
    case 'done':
      return c.green(status);
    case 'claimed':
      return c.cyan(status);
    case 'failed':
      return c.red(status);
    case 'cancelled':
    case 'archived':
    case 'stale':
      return c.gray(status);
    case 'live':
      return c.green(status);
    default:
      return status;
  }
}

export function ago(iso: string, now = Date.now()): string {
  const ms = now - Date.parse(iso);
  const s = Math.round(Math.abs(ms) / 1000);
  const text =
    s < 60
      ? `${s}s`
      : s < 3600
        ? `${Math.round(s / 60)}m`
        : s < 86400
          ? `${Math.round(s / 3600)}h`
          : `${Math.round(s / 86400)}d`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}
