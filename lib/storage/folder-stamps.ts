import { lstatSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { confine, isPlainName, listFolder, workspaceRelative } from './files.js';
import type { Rooted } from './files.js';
import { OrcError } from '../shared/index.js';

/*
 * What each file of a folder looks like now (inode, size, mtime), without reading it: how the task
 * index finds the few files a git pull or a person changed among 100,000, and re-reads only those.
 * The folder is confined once; each name is checked, and a link is refused as everywhere else.
 */

/** A file's stamp: it changes when the file is replaced (git, an atomic write) or written in place. */
function stampOf(path: string): string | undefined {
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    if (stat.isSymbolicLink()) return 'link';
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function linkRefused(ws: Rooted, path: string): OrcError {
  return new OrcError(
    'INVALID_INPUT',
    `${workspaceRelative(ws, path)} in the workspace is a symbolic link: orc reads and writes no path through a link (remove it, or replace it with the real file or folder)`,
  );
}

/**
 * The stamp of each file of `folder` that `accept` takes, listed and stamped in one pass: at 100,000
 * files the listing's sort, its typed entries and a confinement per name cost as much as the stamps
 * themselves, and the stamp's lstat tells a file from a folder anyway. A link is refused as listFiles
 * does; a folder that cannot be read is the error listFolder gives.
 */
export function taskFileStamps(
  ws: Rooted,
  folder: string,
  accept: (name: string) => boolean,
): Map<string, string> {
  const dir = confine(ws, folder);
  const stamps = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return stamps;
    listFolder(ws, folder); // throws the error that names the path
    throw error;
  }
  const prefix = dir + sep;
  for (const name of names) {
    if (!accept(name)) continue;
    const stat = lstatSync(prefix + name, { throwIfNoEntry: false });
    if (stat === undefined || !(stat.isFile() || stat.isSymbolicLink())) continue; // removed meanwhile, or a folder
    if (stat.isSymbolicLink()) throw linkRefused(ws, prefix + name);
    stamps.set(name, `${stat.ino}:${stat.size}:${stat.mtimeMs}`);
  }
  return stamps;
}

/** The stamp of each named file of `folder` (names as listFiles gives them); a removed file is left out. */
export function stampsIn(ws: Rooted, folder: string, names: readonly string[]): Map<string, string> {
  const dir = confine(ws, folder);
  const stamps = new Map<string, string>();
  for (const name of names) {
    if (!isPlainName(name))
      throw new OrcError('INVALID_INPUT', `${name} is not a file name of ${workspaceRelative(ws, dir)}`);
    const stamp = stampOf(join(dir, name));
    if (stamp === 'link') throw linkRefused(ws, join(dir, name));
    if (stamp !== undefined) stamps.set(name, stamp);
  }
  return stamps;
}
