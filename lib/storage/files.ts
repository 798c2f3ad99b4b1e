import {
  type Dirent,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OrcError } from '../shared/index.js';

/*
 * The only way to the workspace's files. Every path is confined: it must lie inside the workspace and
 * no part of it below the workspace root may be a symbolic link (a merged branch can commit one, and a
 * link named `knowledge` or `events.jsonl` would otherwise turn every read and write into one outside).
 * The last component is opened with O_NOFOLLOW, so a link swapped in after the check is refused by
 * the kernel; the folders above it are checked with lstat on every call, never remembered, because a
 * checkout can replace one under a long-lived process.
 */

/** Anything with a workspace root: a Workspace, or the root alone. */
export interface Rooted {
  readonly root: string;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function outside(root: string, path: string): OrcError {
  return new OrcError('INVALID_INPUT', `${path} is outside the workspace ${root}: refused`, {
    details: { path },
  });
}

function linked(rel: string): OrcError {
  return new OrcError(
    'INVALID_INPUT',
    `${rel} in the workspace is a symbolic link: orc reads and writes no path through a link (remove it, or replace it with the real file or folder)`,
    { details: { path: rel } },
  );
}

function wrongType(rel: string, expected: 'file' | 'folder'): OrcError {
  return new OrcError(
    'CORRUPT',
    `${rel} in the workspace is not a ${expected}: move it away or run \`orc doctor\``,
    { details: { path: rel } },
  );
}

/** The path relative to the workspace root, with forward slashes: how errors and events name files. */
export function workspaceRelative(ws: Rooted, path: string): string {
  return relative(ws.root, resolve(ws.root, path)).split(sep).join('/') || '.';
}

/**
 * The absolute path of `path` (absolute, or relative to the workspace root) after checking that it
 * stays inside the workspace and that no existing component below the root is a symbolic link.
 * Components that do not exist yet are fine: whoever creates them goes through this layer too.
 */
export function confine(ws: Rooted, path: string): string {
  const abs = resolve(ws.root, path);
  const rel = relative(ws.root, abs);
  if (rel === '') return abs;
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw outside(ws.root, path);
  let at = ws.root;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(at).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return abs;
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR')
        throw wrongType(workspaceRelative(ws, dirname(at)), 'folder');
      throw error;
    }
    if (isLink) throw linked(workspaceRelative(ws, at));
  }
  return abs;
}

/** Opens a confined file without following a link in its last component. */
function openConfined(ws: Rooted, path: string, flags: number, mode?: number): number {
  const abs = confine(ws, path);
  try {
    return openSync(abs, flags | NOFOLLOW, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw linked(workspaceRelative(ws, abs));
    if (code === 'EISDIR') throw wrongType(workspaceRelative(ws, abs), 'file');
    if (code === 'ENOTDIR') throw wrongType(workspaceRelative(ws, dirname(abs)), 'folder');
    throw error;
  }
}

function readAll(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const chunks: Buffer[] = [];
  let total = 0;
  // Read to the end rather than trusting the size: a file can grow while it is read.
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.max(size - total, 64 * 1024));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** A file's bytes, or undefined when it does not exist. */
export function readBytes(ws: Rooted, path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openConfined(ws, path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw wrongType(workspaceRelative(ws, path), 'file');
    return readAll(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file's text, or undefined when it does not exist. */
export function readText(ws: Rooted, path: string): string | undefined {
  return readBytes(ws, path)?.toString('utf8');
}

/** Creates a folder and its parents inside the workspace (git keeps no empty folders). */
export function ensureFolder(ws: Rooted, path: string): string {
  const abs = confine(ws, path);
  let created: string | undefined;
  try {
    created = mkdirSync(abs, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw wrongType(workspaceRelative(ws, abs), 'folder');
    throw error;
  }
  // mkdir follows a link that appeared meanwhile; check again what now stands there.
  confine(ws, abs);
  // A new folder's own entry must be flushed too, or a file flushed inside it can vanish with it.
  if (created !== undefined && process.env.ORC_FSYNC === '1') {
    for (let dir = abs; dir !== dirname(created); dir = dirname(dir)) syncFolder(dirname(dir));
  }
  return abs;
}

/**
 * Writes through a temp file in the same folder and renames it over the target, so a reader sees the
 * old file or the new one, never half of either, even when the writer is killed mid-write. With
 * ORC_FSYNC=1 the data and the folder entry are flushed, for power loss.
 */
export function writeText(ws: Rooted, path: string, content: string | Buffer): void {
  const abs = confine(ws, path);
  const dir = ensureFolder(ws, dirname(abs));
  const tmp = join(dir, `.${basename(abs)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    if (process.env.ORC_FSYNC === '1') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // rename replaces a link at the target rather than writing through it; refuse it all the same.
    confine(ws, abs);
    renameSync(tmp, abs);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file is already gone; the first error is the one worth reporting
    }
    if ((error as NodeJS.ErrnoException).code === 'EISDIR')
      throw wrongType(workspaceRelative(ws, abs), 'file');
    throw error;
  }
  if (process.env.ORC_FSYNC === '1') syncFolder(dir);
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates a file that must not exist yet and writes `content` into it. Not atomic: a process killed
 * during the write leaves it cut short, so it is only for a file whose reader tells a whole content
 * from a torn one by itself (the commit journal carries a digest). In exchange it costs a fraction
 * of writeText's temp file and rename, whose folder update and flush are most of a small commit.
 * Flushed, with its folder entry, with ORC_FSYNC=1.
 */
export function createFile(ws: Rooted, path: string, content: string): void {
  const abs = resolve(ws.root, path); // confined as it is opened
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  let fd: number;
  try {
    fd = openConfined(ws, abs, flags, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    ensureFolder(ws, dirname(abs)); // the first time only
    fd = openConfined(ws, abs, flags, 0o644);
  }
  try {
    const data = Buffer.from(content);
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    if (process.env.ORC_FSYNC === '1') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (process.env.ORC_FSYNC === '1') syncFolder(dirname(abs));
}

/**
 * Appends in one write with O_APPEND, so lines of concurrent writers never interleave. `separate`
 * first ends a last line that lacks its newline (an editor that strips it, a torn write), so the
 * appended text never glues onto it.
 */
export function appendText(
  ws: Rooted,
  path: string,
  text: string,
  options: { separate?: boolean } = {},
): void {
  const abs = confine(ws, path);
  ensureFolder(ws, dirname(abs));
  const fd = openConfined(ws, abs, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  try {
    if (!fstatSync(fd).isFile()) throw wrongType(workspaceRelative(ws, abs), 'file');
    let data = text;
    if (options.separate) {
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        const readFd = openSync(abs, constants.O_RDONLY | NOFOLLOW);
        try {
          readSync(readFd, last, 0, 1, size - 1);
        } finally {
          closeSync(readFd);
        }
        if (last[0] !== 0x0a) data = `\n${text}`;
      }
    }
    writeSync(fd, data);
    if (process.env.ORC_FSYNC === '1') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes a file; a missing one is fine. With ORC_FSYNC=1 the removal is flushed, like a write. */
export function removeFile(ws: Rooted, path: string): void {
  const abs = confine(ws, path);
  try {
    unlinkSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EISDIR' || code === 'EPERM') throw wrongType(workspaceRelative(ws, abs), 'file');
    throw error;
  }
  if (process.env.ORC_FSYNC === '1') syncFolder(dirname(abs));
}

/** Moves a file or folder within the workspace (to quarantine, to an archive). */
export function moveEntry(ws: Rooted, from: string, to: string): void {
  const source = confine(ws, from);
  const target = confine(ws, to);
  ensureFolder(ws, dirname(target));
  renameSync(source, target);
}

/** What `lstat` says of a confined path, or undefined when nothing is there. */
export function entryKind(ws: Rooted, path: string): 'file' | 'folder' | 'other' | undefined {
  const abs = confine(ws, path);
  try {
    const stat = lstatSync(abs);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Size and modification time of a confined file, or undefined when it does not exist. */
export function fileStamp(ws: Rooted, path: string): { size: number; mtimeMs: number } | undefined {
  const abs = confine(ws, path);
  try {
    const stat = lstatSync(abs);
    if (stat.isSymbolicLink()) throw linked(workspaceRelative(ws, abs));
    return { size: stat.size, mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One entry of a folder: its name and what it is (a link is named as such, never followed). */
export interface FolderEntry {
  name: string;
  kind: 'file' | 'folder' | 'link' | 'other';
}

const kindOf = (d: Dirent): FolderEntry['kind'] =>
  d.isSymbolicLink() ? 'link' : d.isFile() ? 'file' : d.isDirectory() ? 'folder' : 'other';

/**
 * The entries of a folder, sorted by name. Only a missing folder means "nothing here"; a file where
 * the folder should be, or a folder that cannot be read, is an error naming the path.
 */
export function listFolder(ws: Rooted, path: string): FolderEntry[] {
  const abs = confine(ws, path);
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw wrongType(workspaceRelative(ws, abs), 'folder');
    throw new OrcError(
      'CORRUPT',
      `${workspaceRelative(ws, abs)} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
        details: { path: workspaceRelative(ws, abs) },
      },
    );
  }
  return entries.map((d) => ({ name: d.name, kind: kindOf(d) })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * The names of a folder's files that pass `accept`. A link among them is refused (it would be read
 * through); other kinds are left to `orc doctor`, which reports them.
 */
export function listFiles(ws: Rooted, path: string, accept: (name: string) => boolean): string[] {
  const names: string[] = [];
  for (const entry of listFolder(ws, path)) {
    if (!accept(entry.name)) continue;
    if (entry.kind === 'link') throw linked(workspaceRelative(ws, join(resolve(ws.root, path), entry.name)));
    if (entry.kind === 'file') names.push(entry.name);
  }
  return names;
}

/** `length` bytes of a confined file from `offset` (fewer at its end), for following a growing log. */
export function readRange(ws: Rooted, path: string, offset: number, length: number): Buffer {
  const fd = openConfined(ws, path, constants.O_RDONLY);
  try {
    const buffer = Buffer.alloc(length);
    const n = readSync(fd, buffer, 0, length, offset);
    return n === length ? buffer : buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
