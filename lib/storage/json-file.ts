import { OrcError } from '../shared/index.js';
import { type Rooted, readText, workspaceRelative, writeText } from './files.js';

/** JSON as orc writes it: 2-space indent, keys in the order given, trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Parses JSON text; text that does not parse is a CORRUPT error naming `label`. */
export function parseJson<T>(text: string, label: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const hint = text.includes('<<<<<<<') ? ' (it holds git conflict markers: run `orc doctor --fix`)' : '';
    throw new OrcError('CORRUPT', `${label} is not valid JSON${hint}: ${(error as Error).message}`, {
      cause: error,
      details: { file: label },
    });
  }
}

/** Reads a workspace JSON file; a missing one is NOT_FOUND, one that does not parse CORRUPT. */
export function readJsonFile<T>(ws: Rooted, path: string, label = workspaceRelative(ws, path)): T {
  const text = readText(ws, path);
  if (text === undefined) {
    throw new OrcError('NOT_FOUND', `${label} does not exist (removed meanwhile?)`, {
      details: { file: label },
    });
  }
  return parseJson<T>(text, label);
}

/** Like readJsonFile, but a missing file is `undefined` instead of an error. */
export function readJsonIfExists<T>(
  ws: Rooted,
  path: string,
  label = workspaceRelative(ws, path),
): T | undefined {
  const text = readText(ws, path);
  return text === undefined ? undefined : parseJson<T>(text, label);
}

/** Writes JSON as orc writes it, atomically (see writeText). */
export function writeJsonAtomic(ws: Rooted, path: string, value: unknown): void {
  writeText(ws, path, formatJson(value));
}
