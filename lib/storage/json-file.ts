import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OrcError } from '../shared/index.js';

/** JSON as orc writes it: 2-space indent, keys in the order given, trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Writes through a temp file in the same folder and renames it over the target, so a reader sees the
 * old file or the new one, never half of either, even when the writer is killed mid-write.
 */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  );
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    if (process.env.ORC_FSYNC === '1') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file is already gone; the rename error is the one worth reporting
    }
    throw error;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, formatJson(value));
}

/** Reads a JSON file; a file that does not parse is named in a CORRUPT error, never rewritten. */
export function readJsonFile<T>(path: string, label = path): T {
  const text = readFileSync(path, 'utf8');
  return parseJson<T>(text, label);
}

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

/** Like readJsonFile, but a missing file is `undefined` instead of an error. */
export function readJsonIfExists<T>(path: string, label = path): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseJson<T>(text, label);
}
