import { join } from 'node:path';
import { invalidInput, quote } from '../shared/index.js';
import { hasControlChars } from '../shared/index.js';
import { type Workspace, confine } from '../storage/index.js';

const SEGMENT = /^[\p{L}\p{N}_][\p{L}\p{N} ._-]*$/u;

/**
 * A knowledge name is a relative path under `knowledge/`, `/`-separated, with `.md` added when it has
 * no extension. Refused: absolute paths, `..` and `.` segments, empty segments, backslashes, percent
 * signs (so `%2e%2e%2f` cannot decode to a separator anywhere downstream), control characters, and
 * segments starting with a dot (hidden files, temp files).
 */
export function checkKnowledgeName(value: unknown): string {
  const refuse = (why: string) =>
    invalidInput(`knowledge name ${quote(value)} ${why}: use letters, digits, ' ', '.', '_', '-' and '/'`);
  if (typeof value !== 'string' || value.trim() === '') throw refuse('is empty');
  if (value.length > 200) throw refuse('is longer than 200 characters');
  if (hasControlChars(value) || value.includes('\t')) throw refuse('holds control characters');
  if (value.includes('\\') || value.includes('%')) throw refuse('holds an escaped or foreign separator');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) throw refuse('is absolute');
  const segments = value.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') throw refuse('has an empty, . or .. segment');
    if (!SEGMENT.test(segment) || segment !== segment.trim())
      throw refuse(`has a bad segment ${quote(segment)}`);
  }
  const last = segments[segments.length - 1];
  if (!last.toLowerCase().endsWith('.md')) {
    if (/\.[A-Za-z0-9]{1,8}$/.test(last) && !/\.\d+$/.test(last))
      throw refuse('is not a markdown (.md) file');
    segments[segments.length - 1] = `${last}.md`;
  }
  return segments.join('/');
}

/** The name shown to people: the relative path without `.md`. */
export const displayName = (file: string) =>
  file.length >= 3 && file.slice(-3).toLowerCase() === '.md' ? file.slice(0, -3) : file;

/**
 * The absolute path of a checked name, refused (naming the path) when knowledge/ or any existing part
 * of it is a symbolic link, which could point anywhere. Call it inside the critical section that uses
 * the path; the storage layer checks again on every read and write.
 */
export function knowledgePath(ws: Workspace, file: string): string {
  return confine(ws, join(ws.knowledgeDir, file));
}
