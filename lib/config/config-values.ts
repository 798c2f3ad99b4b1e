import { OrcError, parseDuration } from '../shared/index.js';
import { quote } from '../shared/index.js';
import { type Workspace, confineExisting, entryKind } from '../storage/index.js';

/** A parsed YAML mapping. */
export type Doc = Record<string, unknown>;

/** True for a YAML mapping (not a list, not null). */
export const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `doc[key]` if it is a string; anything else present there is a problem at `at.key`. */
export function optionalString(doc: Doc, key: string, at: string, problems: string[]): string | undefined {
  const value = doc[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  // Not quoted: the value may be a secret (api_key).
  problems.push(`${at}.${key}: must be a string`);
  return undefined;
}

/** `gate: true|after|before|false` as the gate it asks for. */
export function gateOf(value: unknown, path: string, problems: string[]): 'before' | 'after' | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true || value === 'after') return 'after';
  if (value === 'before') return 'before';
  problems.push(`${path}: must be true, false, "before" or "after", not ${quote(value)}`);
  return undefined;
}

/** A duration setting in milliseconds, or a problem at its path. */
export function durationOf(value: unknown, path: string, problems: string[]): number | undefined {
  try {
    return parseDuration(value, path);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

/** A whole number within bounds, or a problem at its path. */
export function wholeNumberOf(
  value: unknown,
  path: string,
  [min, max]: [number, number],
  problems: string[],
): number | undefined {
  // Only digits count in a string: Number() would read '' as 0 and '0x10' as 16.
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  problems.push(`${path}: must be a whole number from ${min} to ${max}, not ${quote(value)}`);
  return undefined;
}

/**
 * The absolute path of a file or folder named in orchestrator.yaml (relative to the workspace root),
 * checked by what it really is, not by its text: it exists, is of `kind`, lies inside the workspace
 * and is reached through no symbolic link. Anything else is a problem at `at` naming the path, found
 * when the config is loaded, before a run starts.
 */
export function workspacePathOf(
  ws: Workspace,
  value: unknown,
  kind: 'file' | 'folder',
  at: string,
  problems: string[],
): string | undefined {
  const refuse = (why: string) => {
    problems.push(`${at}: must be a ${kind} inside the workspace${why}`);
    return undefined;
  };
  if (typeof value !== 'string' || value === '') return refuse('');
  let abs: string | undefined;
  try {
    abs = confineExisting(ws, value);
    if (abs === undefined) return refuse(`: ${quote(value)} does not exist`);
    if (entryKind(ws, abs) !== kind) return refuse(`: ${quote(value)} is not a ${kind}`);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    return refuse(`: ${error.message}`);
  }
  return abs;
}
