import { lstatSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { type Rooted, confine, isPlainName, listFolder } from './files.js';

/** A regular file found by listTree. */
export interface TreeFile {
  /** Relative to the folder walked, with `/` separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every regular file under a confined folder, sorted by path. Symbolic links are never followed nor
 * listed (one inside the folder could point anywhere), and neither are sockets or devices; `accept`
 * decides which entries count (a folder it refuses is not entered). A missing folder has no files.
 */
export function listTree(
  ws: Rooted,
  path: string,
  accept: (relative: string, kind: 'file' | 'folder') => boolean,
): TreeFile[] {
  const found: TreeFile[] = [];
  const visit = (dir: string, prefix: string) => {
    // listFolder confines `dir` again, so a folder swapped for a link since its parent was read is refused.
    for (const entry of listFolder(ws, dir)) {
      const relative = prefix + entry.name;
      if (entry.kind === 'folder') {
        if (accept(relative, 'folder')) visit(join(dir, entry.name), `${relative}/`);
      } else if (entry.kind === 'file' && accept(relative, 'file')) {
        // `dir` is confined and normalised and a name has no separator: no join (10,000 files a walk).
        const stat = lstatSync(`${dir}${sep}${entry.name}`, { throwIfNoEntry: false });
        if (stat?.isFile()) found.push({ path: relative, size: stat.size, mtimeMs: stat.mtimeMs }); // or removed meanwhile
      }
    }
  };
  visit(confine(ws, path), '');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Removes a confined folder and everything in it (links inside are removed, never followed). */
export function removeTree(ws: Rooted, path: string): void {
  rmSync(confine(ws, path), { recursive: true, force: true });
}

/**
 * The size and mtime of each named regular file of a confined folder, without listing the folder: how
 * the knowledge index checks the documents it knows in a folder whose entries did not change. A name
 * that is gone, is not a plain name, or is no longer a regular file (a link is never followed) is left
 * out, as listTree would leave it.
 */
export function fileStatsIn(
  ws: Rooted,
  folder: string,
  names: readonly string[],
): Map<string, { size: number; mtimeMs: number }> {
  const dir = confine(ws, folder);
  const stats = new Map<string, { size: number; mtimeMs: number }>();
  for (const name of names) {
    if (!isPlainName(name)) continue;
    const stat = lstatSync(`${dir}${sep}${name}`, { throwIfNoEntry: false });
    if (stat?.isFile()) stats.set(name, { size: stat.size, mtimeMs: stat.mtimeMs });
  }
  return stats;
}

/**
 * Whether the files `nameAt(0)` … `nameAt(count - 1)` of a confined folder are all regular files whose
 * size and mtime `matches` accepts: one lstat each, stopping at the first that is not (gone, a link,
 * not a plain name, or changed). fileStatsIn's check without the map: a search makes it for each of
 * 10,000 documents.
 */
export function filesMatch(
  ws: Rooted,
  folder: string,
  count: number,
  nameAt: (i: number) => string,
  matches: (i: number, size: number, mtimeMs: number) => boolean,
): boolean {
  const dir = confine(ws, folder);
  for (let i = 0; i < count; i++) {
    const name = nameAt(i);
    if (!isPlainName(name)) return false;
    const stat = lstatSync(`${dir}${sep}${name}`, { throwIfNoEntry: false });
    if (!stat?.isFile() || !matches(i, stat.size, stat.mtimeMs)) return false;
  }
  return true;
}
