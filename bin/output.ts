import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';
import { subsystems } from '../lib/cli.js';

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

/** A style with colours off: the text as chalk at level 0 gives it (its arguments joined by spaces). */
const unstyled = (...text: unknown[]) => (text.length === 1 ? String(text[0]) : text.join(' '));

/**
 * Colours, off when NO_COLOR is set or stdout is not a terminal. chalk is loaded on first use and
 * only when colours are on (~15 ms), so `--json` calls (what agents make) and output to a pipe never
 * pay for it.
 */
export const c = new Proxy({} as ChalkInstance, {
  get(_target, key) {
    if (!colorOn) return unstyled;
    if (!chalk) {
      const { Chalk } = createRequire(import.meta.url)('chalk') as typeof import('chalk');
      chalk = new Chalk({ level: 1 });
    }
    return chalk[key as keyof ChalkInstance];
  },
});

// C0 controls, DEL and C1 controls (U+009B is a terminal's one-character CSI).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Control characters other than line breaks and tabs, which text for a terminal may hold.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes chalk writes start with ESC
const SGR_OR_UNSAFE = /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function escapeControl(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * One value from storage (an actor, an event type, an id, a title) made safe to print on one line:
 * every control character, line breaks included, shown as an escape (`\x1b`, `\n`). Values can
 * arrive by a merge, so a newline must not forge a line and an escape sequence must not drive the
 * terminal.
 */
export function printable(value: unknown): string {
  const text = String(value ?? '');
  return CONTROL.test(text) ? text.replace(CONTROLS, escapeControl) : text;
}

/**
 * The last guard before a terminal: control characters other than line breaks and tabs are escaped;
 * when colours are on, the colour codes chalk writes (SGR sequences) are kept.
 */
function terminalSafe(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(SGR_OR_UNSAFE, (found) =>
    found.length === 1 ? escapeControl(found) : colorOn ? found : escapeControl(found[0]!) + found.slice(1),
  );
}

/**
 * One JSON document on stdout, compact: agents pay for every byte in tokens. JSON.stringify escapes
 * C0 controls; DEL and C1 controls, which it leaves raw, are escaped too (they occur only in strings).
 */
export function printJson(value: unknown): void {
  if (selectedField !== undefined) printField(value, selectedField);
  else process.stdout.write(`${jsonLine(value)}\n`);
}

let selectedField: string | undefined;

/** `--field path` (`--id-only` is `--field id`): commands print that field of their JSON instead. */
export function selectField(path: string | undefined): void {
  selectedField = path;
}

/** Whether `--field` (or `--id-only`) picks a field: printJson prints that instead of the JSON. */
export const isFieldSelected = () => selectedField !== undefined;

/**
 * One field of a result, for scripts: a text or number as it is, anything else as JSON; of a list,
 * the field of each item, one per line. A path is dotted (`claim.agent`).
 */
function printField(value: unknown, path: string): void {
  const at = (item: unknown) =>
    path
      .split('.')
      .reduce<unknown>(
        (v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
        item,
      );
  const show = (v: unknown) =>
    v === undefined || v === null
      ? ''
      : typeof v === 'string' || typeof v === 'number'
        ? String(v)
        : jsonLine(v);
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    const v = at(item);
    if (v !== undefined) process.stdout.write(`${terminalSafe(show(v))}\n`);
  }
}

/** JSON text with no raw control character, safe for a terminal or a line-based stream. */
export function jsonLine(value: unknown): string {
  return safeJsonText(JSON.stringify(value));
}

/** JSON text (as JSON.stringify gives it) with no raw control character: what jsonLine prints. */
export function safeJsonText(text: string): string {
  return text.replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function print(text = ''): void {
  process.stdout.write(`${terminalSafe(text)}\n`);
}

/** Prints lines as `print` prints each, in one write (a write per line costs a system call each). */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.map(terminalSafe).join('\n')}\n`);
}

export function warn(ctx: Context, message: string, code = 'WARNING'): void {
  process.stderr.write(
    ctx.json
      ? `${jsonLine({ warning: { code, message } })}\n`
      : `${c.yellow('warning:')} ${terminalSafe(message)}\n`,
  );
}

/**
 * A table for people, bordered, cut to the terminal's width (the widest text column, or of those named
 * in `cut`, gets an ellipsis).
 * When stdout is not a terminal (a pipe, a file, an agent's shell), plain tab-separated lines instead,
 * header first, for `cut` and `awk`.
 */
export async function table(
  head: string[],
  rows: Array<Array<string | number>>,
  options: { cut?: string[] } = {},
): Promise<string> {
  if (process.stdout.isTTY !== true && !process.env.FORCE_COLOR) {
    // 10,000 rows a table: a cell is replaced only when it holds a tab, and the lines are joined as built.
    const line = (cells: Array<string | number>) => {
      let text = '';
      for (let i = 0; i < cells.length; i++) {
        const x = cells[i];
        const value = typeof x === 'string' ? x : String(x);
        text += `${i === 0 ? '' : '\t'}${value.includes('\t') ? value.replace(/\t/g, ' ') : value}`;
      }
      return text;
    };
    let out = line(head);
    for (const row of rows) out += `\n${line(row)}`;
    return out;
  }
  const { renderTable } = await subsystems.shared();
  return renderTable(
    head.map((h) => c.bold(h)),
    rows,
    {
      color: colorOn,
      width: process.stdout.isTTY === true ? process.stdout.columns : undefined,
      cut: options.cut?.map((name) => head.indexOf(name)),
    },
  );
}

// Whitespace that `cell` folds: other than a single space, or at either end.
const FOLDABLE = /[^\S ]| {2}|^ | $/;

/** One line of text from user content, for tables: newlines folded, control characters escaped, cut to `max`. */
export function cell(text: string | null | undefined, max = 50): string {
  const raw = text ?? '';
  // Most cells are one line already: fold only what needs it (10,000 rows a table).
  const one = printable(FOLDABLE.test(raw) ? raw.replace(/\s+/g, ' ').trim() : raw);
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

let absoluteTimes = false;

/** `--absolute`: times print as ISO instead of relative to now. */
export function showAbsoluteTimes(on: boolean | undefined): void {
  absoluteTimes = Boolean(on);
}

/** A time for people: "3m ago", "in 25m"; with `--absolute`, the ISO time as stored. */
export function when(iso: string, now = Date.now()): string {
  return absoluteTimes ? printable(iso) : ago(iso, now);
}
