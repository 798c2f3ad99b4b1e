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
      { field: kind },
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
    throw invalidInput(`resource ${quote(value)} must be 1 to 200 printable characters`, {
      field: 'resource',
    });
  }
  return value;
}

/** A task id: `t-` and 4 to 32 lower-case letters or digits. */
export const TASK_ID = /^t-[0-9a-z]{4,32}$/;

export function isTaskId(value: string): boolean {
  return TASK_ID.test(value);
}

/** The longest free text orc stores in one field: descriptions, results, failure reasons, gate notes, event data. */
export const MAX_TEXT = 20_000;
/** The longest actor name recorded in an event. */
export const MAX_ACTOR = 100;
/** The longest event subject. */
export const MAX_SUBJECT = 200;

/**
 * Free text of at most MAX_TEXT characters where line breaks and tabs are fine but other control
 * characters (terminal escapes) are not. `field` names the input in the message.
 */
export function checkText(field: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string') throw invalidInput(`${field} must be text`, { field });
  if (value.length > max) {
    throw invalidInput(
      `${field} is ${value.length.toLocaleString('en-US')} characters: the limit is ${max.toLocaleString('en-US')}`,
      { field },
    );
  }
  if (hasControlChars(value, true)) throw invalidInput(`${field} holds control characters`, { field });
  return value;
}

/**
 * One line of printable text of at most `max` characters (an actor, an event subject): it is printed
 * on terminals and written into event streams, where a control character or a line break could forge
 * output.
 */
export function checkLine(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalidInput(`${field} must be text`, { field });
  if (value.length > max)
    throw invalidInput(`${field} is ${value.length} characters: the limit is ${max}`, { field });
  if (hasControlChars(value) || value.includes('\t')) {
    throw invalidInput(
      `${field} ${quote(value)} holds control characters (line breaks, escapes): use printable text`,
      { field },
    );
  }
  return value;
}

/** An actor recorded in events: 1 to MAX_ACTOR printable characters on one line. */
export function checkActor(value: unknown, field = 'actor'): string {
  if (typeof value === 'string' && value.trim() === '')
    throw invalidInput(`${field} must not be empty`, { field });
  return checkLine(field, value, MAX_ACTOR);
}
