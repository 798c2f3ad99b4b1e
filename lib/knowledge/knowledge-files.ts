import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../storage/index.js';

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
 * Every indexable `.md` file under knowledge/, sorted by path. Symbolic links, hidden entries (dot
 * files, temp files of atomic writes) and archive/ are skipped.
 */
export function walkKnowledge(ws: Workspace): KnowledgeFile[] {
  const found: KnowledgeFile[] = [];
  const visit = (dir: string, prefix: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = prefix + entry.name;
      if (entry.isDirectory()) {
        if (prefix === '' && UNINDEXED_FOLDERS.has(entry.name)) continue;
        visit(join(dir, entry.name), `${rel}/`);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) {
        const stat = statSync(join(dir, entry.name));
        found.push({ file: rel, mtimeMs: stat.mtimeMs, size: stat.size });
      }
    }
  };
  visit(ws.knowledgeDir, '');
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export const contentHash = (text: string) => createHash('sha1').update(text).digest('hex');
