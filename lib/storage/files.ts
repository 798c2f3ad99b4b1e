import {
  type Dirent,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OrcError, envValue } from '../shared/index.js';

/** ORC_FSYNC=1: every write is flushed to disk, for power loss (read at each write: tests set it late). */
const flushing = () => envValue(process.env, 'FSYNC') === '1';

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

/**
 * For a path that orc hands to someone else (a command agent's working folder): the confined path,
 * checked once more by its real path (`realpath`) against the workspace's, so that it is refused
 * whatever the text says if the folder it names really lies outside. Undefined when nothing is there.
 */
export function confineExisting(ws: Rooted, path: string): string | undefined {
  const abs = confine(ws, path);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const rel = relative(realpathSync(ws.root), real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw outside(ws.root, path);
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

/**
 * Reads an open file to its end. It asks for one byte more than the size it had: a short read of a
 * regular file means its end, so a file that did not change costs one call, and one that grew while
 * it was read is read on to its end rather than cut at the size.
 */
function readAll(fd: number, size: number): Buffer {
  let buffer = Buffer.allocUnsafe(size + 1);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, total);
      buffer = bigger;
    }
    const want = buffer.length - total;
    const n = readSync(fd, buffer, total, want, null);
    total += n;
    if (n < want) return buffer.subarray(0, total);
  }
}

/** An open file's bytes, refusing what is not a regular file (a folder, a device). */
function readOpen(fd: number, label: () => string): Buffer {
  const stat = fstatSync(fd);
  if (!stat.isFile()) throw wrongType(label(), 'file');
  return readAll(fd, stat.size);
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
    return readOpen(fd, () => workspaceRelative(ws, path));
  } finally {
    closeSync(fd);
  }
}

/** Whether `name` names an entry of a folder itself: not empty, not `.` or `..`, no separator. */
export const isPlainName = (name: string) =>
  name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes(sep);

/**
 * The texts of files of one folder (names as listFiles gives them), with the folder confined once
 * rather than once per file, so that reading 10,000 task files costs an open and a read each. Each
 * file is still opened without following a link; one removed meanwhile is left out.
 */
export function readTextsIn(ws: Rooted, folder: string, names: readonly string[]): Map<string, string> {
  const dir = confine(ws, folder);
  const texts = new Map<string, string>();
  for (const name of names) {
    if (!isPlainName(name)) throw outside(ws.root, join(folder, name));
    const path = join(dir, name);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code === 'ELOOP') throw linked(workspaceRelative(ws, path));
      if (code === 'ENOTDIR') throw wrongType(workspaceRelative(ws, dir), 'folder');
      throw error;
    }
    try {
      texts.set(name, readOpen(fd, () => workspaceRelative(ws, path)).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }
  return texts;
}

/** A file's text, or undefined when it does not exist. */
export function readText(ws: Rooted, path: string): string | undefined {
  return readBytes(ws, path)?.toString('utf8');
}

/** Creates a folder and its parents inside the workspace (git keeps no empty folders). */
export function ensureFolder(ws: Rooted, path: string): string {
  const abs = confine(ws, path);
  const created = makeFolders(ws, abs);
  // mkdir follows a link that appeared meanwhile; check again what now stands there.
  confine(ws, abs);
  // A new folder's own entry must be flushed too, or a file flushed inside it can vanish with it.
  if (created !== undefined && flushing()) {
    for (let dir = abs; dir !== dirname(created); dir = dirname(dir)) syncFolder(dirname(dir));
  }
  return abs;
}

/**
 * Creates `abs` and its missing parents one by one, returning the first one created. Node's own
 * `mkdirSync(…, { recursive: true })` spins forever where mkdir answers ENOENT although the parent
 * exists (under /proc), so the walk is done here and every refusal is one line naming the folder.
 */
function makeFolders(ws: Rooted, abs: string): string | undefined {
  const missing: string[] = [];
  for (let dir = abs; ; dir = dirname(dir)) {
    const kind = standing(dir);
    if (kind === 'folder') break;
    if (kind !== undefined) throw notAFolder(ws, dir);
    if (dirname(dir) === dir) break;
    missing.unshift(dir);
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && standing(dir) === 'folder') continue; // made meanwhile by another writer
      if (code === 'EEXIST' || code === 'ENOTDIR') throw notAFolder(ws, dir);
      throw new OrcError(
        'INVALID_INPUT',
        `cannot create the folder ${dir} (${code ?? 'error'}): choose another path`,
        {
          details: { path: dir, cause: code },
        },
      );
    }
  }
  return missing[0];
}

/** What stands at an absolute path, links followed (the workspace root may be reached through one). */
function standing(abs: string): 'folder' | 'other' | undefined {
  try {
    return statSync(abs).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up finds it and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** A file where a folder must be: a corrupt workspace below its root, a wrong path above it. */
function notAFolder(ws: Rooted, abs: string): OrcError {
  const rel = relative(ws.root, abs);
  if (rel !== '' && (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)))
    return new OrcError('INVALID_INPUT', `${abs} is not a folder: choose another path`, {
      details: { path: abs },
    });
  return wrongType(workspaceRelative(ws, abs), 'folder');
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
    if (flushing()) fsyncSync(fd);
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
  if (flushing()) syncFolder(dir);
}

/**
 * Creates a file that must not exist yet (a generated secret), atomically: written to a temp file,
 * then hard-linked into place, which fails when another process created it first. Returns false, and
 * writes nothing, when the file is already there.
 */
export function createText(ws: Rooted, path: string, content: string, mode = 0o644): boolean {
  const abs = confine(ws, path);
  const dir = ensureFolder(ws, dirname(abs));
  const tmp = join(dir, `.${basename(abs)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
  try {
    writeSync(fd, content);
    if (flushing()) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    confine(ws, abs);
    linkSync(tmp, abs);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

/** Sets a confined file's permission bits (a secret copied in by hand may be readable by others). */
export function restrictMode(ws: Rooted, path: string, mode: number): void {
  const fd = openConfined(ws, path, constants.O_RDONLY);
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
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
    if (flushing()) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (flushing()) syncFolder(dirname(abs));
}

/**
 * Writes `content` over the start of a file without truncating it (creating it if need be), for a
 * small fixed-width file rewritten on every command: ext4 flushes a file truncated and written again
 * at once, which costs most of a millisecond. Not atomic; only for a derived file whose reader
 * tolerates a torn one.
 */
export function overwriteStart(ws: Rooted, path: string, content: string): void {
  const abs = resolve(ws.root, path);
  ensureFolder(ws, dirname(abs));
  const fd = openConfined(ws, abs, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    writeSync(fd, content, 0);
  } finally {
    closeSync(fd);
  }
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
    if (flushing()) fsyncSync(fd);
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
  if (flushing()) syncFolder(dirname(abs));
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

/** A confined file's inode and size (undefined when missing): whether it was replaced, or appended to. */
export function fileIdentity(ws: Rooted, path: string): { ino: bigint; size: number } | undefined {
  const abs = confine(ws, path);
  try {
    const stat = lstatSync(abs, { bigint: true });
    if (stat.isSymbolicLink()) throw linked(workspaceRelative(ws, abs));
    return { ino: stat.ino, size: Number(stat.size) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A stamp that changes whenever a confined file or folder does (inode, size, mtime in nanoseconds), or
 * undefined when nothing is there: how derived caches notice that their source moved on.
 */
export function changeStamp(ws: Rooted, path: string): string | undefined {
  const abs = confine(ws, path);
  try {
    const stat = lstatSync(abs, { bigint: true });
    if (stat.isSymbolicLink()) throw linked(workspaceRelative(ws, abs));
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
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
/**
 * Reads up to `buffer.length` bytes at `offset` into `buffer` (a reader's own, reused from chunk to
 * chunk: one 64 KiB allocation per chunk of a large file fragments the C heap); returns how many.
 */
export function readRangeInto(ws: Rooted, path: string, offset: number, buffer: Buffer): number {
  const fd = openConfined(ws, path, constants.O_RDONLY);
  try {
    return readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
}

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
