import { createHash, hash } from 'node:crypto';
import { type Workspace, listTree } from '../storage/index.js';

/** A markdown file under knowledge/ as found on disk. */
export interface KnowledgeFile {
  /** Relative path with `/` separators, e.g. `guides/setup.md`. */
  file: string;
  mtimeMs: number;
  size: number;
}

/** Top-level folders of knowledge/ that are not searched: pruned memories live in archive/. */
export const UNINDEXED_FOLDERS = new Set(['archive']);

/**
 * Every indexable `.md` file under knowledge/, sorted by path. Hidden entries (dot files, temp files of
 * atomic writes) and archive/ are skipped; symbolic links are never followed (one could point outside
 * the workspace), and knowledge/ being a link itself is refused with an error naming it.
 */
export function walkKnowledge(ws: Workspace): KnowledgeFile[] {
  return listTree(ws, ws.knowledgeDir, (relative, kind) => {
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    if (name.startsWith('.')) return false;
    if (kind === 'folder') return relative.includes('/') || !UNINDEXED_FOLDERS.has(name);
    return name.toLowerCase().endsWith('.md');
  }).map(({ path, mtimeMs, size }) => ({ file: path, mtimeMs, size }));
}

/** SHA-1 of a text, hex; crypto.hash (Node 20.12+) saves a Hash object per call, thousands a build. */
export const contentHash: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha1', text, 'hex')
    : (text) => createHash('sha1').update(text).digest('hex');
