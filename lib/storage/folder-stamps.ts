import { lstatSync } from 'node:fs';
import { join, sep } from 'node:path';
import { confine, workspaceRelative } from './files.js';
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
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return 'link';
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The stamp of each named file of `folder` (names as listFiles gives them); a removed file is left out. */
export function stampsIn(ws: Rooted, folder: string, names: readonly string[]): Map<string, string> {
  const dir = confine(ws, folder);
  const stamps = new Map<string, string>();
  for (const name of names) {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes(sep))
      throw new OrcError('INVALID_INPUT', `${name} is not a file name of ${workspaceRelative(ws, dir)}`);
    const stamp = stampOf(join(dir, name));
    if (stamp === 'link')
      throw new OrcError(
        'INVALID_INPUT',
        `${workspaceRelative(ws, join(dir, name))} in the workspace is a symbolic link: orc reads and writes no path through a link (remove it, or replace it with the real file or folder)`,
      );
    if (stamp !== undefined) stamps.set(name, stamp);
  }
  return stamps;
}
