import { createHash } from 'node:crypto';
import { invalidInput, quote } from './errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Workstream names and agent ids become file names, so they are held to a portable, traversal-proof
 * shape: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 64 characters.
 */
export function checkName(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !isName(value)) {
    throw invalidInput(
      `${kind} ${quote(value)} is not a valid name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
    );
  }
  return value;
}

/** True when `value` is a valid workstream name or agent id (see checkName). */
export function isName(value: string): boolean {
  return NAME.test(value) && !value.includes('..');
}

/** Lock resources are free text (a path, a service name); their file name is a slug plus a hash. */
export function resourceFileName(resource: string): string {
  const slug = resource
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(resource).digest('hex').slice(0, 10);
  return `${slug || 'lock'}-${hash}.json`;
}

/** True when `text` holds control characters (tabs and, with `allowNewlines`, line breaks excepted). */
export function hasControlChars(text: string, allowNewlines = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 9 || (allowNewlines && (code === 10 || code === 13))) continue;
    if (code < 32 || code === 127) return true;
  }
  return false;
}

export function checkResource(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200 || hasControlChars(value)) {
    throw invalidInput(`lock resource ${quote(value)} must be 1 to 200 printable characters`);
  }
  return value;
}

/** A task id: `t-` and 4 to 32 lower-case letters or digits. */
export const TASK_ID = /^t-[0-9a-z]{4,32}$/;

export function isTaskId(value: string): boolean {
  return TASK_ID.test(value);
}
