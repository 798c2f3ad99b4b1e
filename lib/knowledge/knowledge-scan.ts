import { join } from 'node:path';
import { type Workspace, changeStamp, fileStatsIn, filesMatch, listFolder } from '../storage/index.js';
import { type KnowledgeFile, UNINDEXED_FOLDERS } from './knowledge-files.js';
import type { DocColumns } from './knowledge-index-docs.js';
import type { IndexedDocument } from './knowledge-records.js';

/*
 * What knowledge/ holds now, found by asking no more of the disk than the check needs. A folder's
 * change stamp (inode, size, mtime) changes whenever an entry is added, removed or renamed in it: a
 * new document, one deleted, one written atomically (orc itself, git checkout and pull, most editors'
 * safe save). So a folder whose stamp is the one recorded when the index last matched it is not
 * listed again: its documents are the ones the index knows. What a stamp does not show is a file
 * rewritten in place (`echo >>`, some editors): the file's mtime changes, not its folder's.
 *
 * - `folders`: stamps only; documents in unchanged folders are taken as the index has them. One
 *   lstat per folder: what `kb list` checks.
 * - `files`: stamps, then one lstat per known document in unchanged folders (no listing), so an edit
 *   in place is seen too: what a search checks.
 * - `walk`: every folder listed and every file stat'ed, stamps or not.
 *
 * A stamp is recorded only once its folder's mtime lies SETTLE_MS in the past: an entry added in the
 * same clock tick as the stamp was read would otherwise leave the stamp as it was, and be missed for
 * good (git's "racy" files). An unsettled folder is listed at every check until it settles.
 */

export type ScanLevel = 'folders' | 'files' | 'walk';

/** Folder (relative to knowledge/, '' for itself) → its change stamp, or null while unsettled. */
export type FolderStamps = Record<string, string | null>;

const SETTLE_MS = 2_000;

export interface Scan {
  /** Every indexable document, sorted by path (as walkKnowledge gives them). */
  files: KnowledgeFile[];
  /** The stamps of every indexed folder as found now. */
  folders: FolderStamps;
  /** How many folders were listed (the others were trusted by their stamp). */
  listed: number;
}

const folderOf = (file: string) => {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash);
};
const parentOf = folderOf;
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Whether a folder's stamp may be trusted next time: its mtime lies far enough in the past. */
function isSettled(stamp: string, now: number): boolean {
  // changeStamp is `inode:size:mtimeNs`.
  const mtimeMs = Number(stamp.slice(stamp.lastIndexOf(':') + 1)) / 1e6;
  return Number.isFinite(mtimeMs) && mtimeMs <= now - SETTLE_MS;
}

/**
 * The documents of knowledge/ (archive/ and hidden entries left out, links never followed), checked
 * at `level` against the documents and folder stamps the index recorded (none: every folder listed).
 */
export function scanKnowledge(
  ws: Workspace,
  docs: Record<string, IndexedDocument>,
  recorded: FolderStamps | undefined,
  level: ScanLevel,
): Scan {
  const now = Date.now();
  const known = recorded && level !== 'walk' ? recorded : {};
  const docsIn = new Map<string, string[]>();
  for (const doc of Object.keys(docs)) {
    const folder = folderOf(doc);
    const names = docsIn.get(folder);
    if (names) names.push(nameOf(doc));
    else docsIn.set(folder, [nameOf(doc)]);
  }
  const childrenOf = new Map<string, string[]>();
  for (const folder of Object.keys(known)) {
    if (folder === '') continue;
    const parent = parentOf(folder);
    const children = childrenOf.get(parent);
    if (children) children.push(folder);
    else childrenOf.set(parent, [folder]);
  }
  const files: KnowledgeFile[] = [];
  const folders: FolderStamps = {};
  let listed = 0;
  const prefixOf = (folder: string) => (folder === '' ? '' : `${folder}/`);
  const addStats = (folder: string, names: string[]) => {
    const stats = fileStatsIn(ws, join(ws.knowledgeDir, folder), names);
    for (const [name, { size, mtimeMs }] of stats)
      files.push({ file: prefixOf(folder) + name, size, mtimeMs });
  };
  const visit = (folder: string) => {
    const path = join(ws.knowledgeDir, folder);
    // Read before the listing: an entry added after it changes the stamp, so it is seen next time.
    const stamp = changeStamp(ws, path);
    if (stamp === undefined) return; // gone (or never made): no documents
    folders[folder] = isSettled(stamp, now) ? stamp : null;
    const same = known[folder] !== undefined && known[folder] !== null && known[folder] === stamp;
    if (same) {
      const names = docsIn.get(folder) ?? [];
      if (level === 'files') addStats(folder, names);
      else
        for (const name of names) {
          const doc = docs[prefixOf(folder) + name]!;
          files.push({ file: prefixOf(folder) + name, size: doc.size, mtimeMs: doc.mtimeMs });
        }
      for (const child of childrenOf.get(folder) ?? []) visit(child);
      return;
    }
    listed++;
    const names: string[] = [];
    for (const entry of listFolder(ws, path)) {
      if (entry.name.startsWith('.')) continue;
      const relative = prefixOf(folder) + entry.name;
      if (entry.kind === 'folder') {
        if (folder !== '' || !UNINDEXED_FOLDERS.has(entry.name)) visit(relative);
      } else if (entry.kind === 'file' && entry.name.toLowerCase().endsWith('.md')) names.push(entry.name);
    }
    addStats(folder, names);
  };
  visit('');
  files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { files, folders, listed };
}

/**
 * Whether every folder recorded is as it was (none unsettled, none gone, knowledge/ itself among
 * them): then no document was added, removed or renamed, and a `folders` check needs nothing else.
 */
export function foldersUnchanged(ws: Workspace, recorded: FolderStamps | undefined): boolean {
  if (!recorded || recorded[''] === undefined) return false;
  for (const [folder, stamp] of Object.entries(recorded))
    if (stamp === null || changeStamp(ws, join(ws.knowledgeDir, folder)) !== stamp) return false;
  return true;
}

/**
 * Whether nothing changed at the `files` level, answered from the stored columns of the index: every
 * folder as recorded (foldersUnchanged), every document in a recorded folder, and its size and mtime
 * as stored. One lstat per document, and no object per document built (the common case of a search).
 */
export function columnsUnchanged(
  ws: Workspace,
  columns: DocColumns,
  recorded: FolderStamps | undefined,
): boolean {
  if (!foldersUnchanged(ws, recorded)) return false;
  const { file, size, mtimeMs } = columns;
  // The columns are sorted by file after a build, so a folder's documents mostly lie together: one
  // call per run of them.
  let i = 0;
  while (i < file.length) {
    const folder = folderOf(file[i]!);
    if (recorded![folder] === undefined) return false;
    const prefix = folder === '' ? 0 : folder.length + 1;
    const first = i;
    while (i < file.length && folderOf(file[i]!) === folder) i++;
    const same = filesMatch(
      ws,
      join(ws.knowledgeDir, folder),
      i - first,
      (k) => file[first + k]!.slice(prefix),
      (k, bytes, mtime) => bytes === size[first + k] && mtime === mtimeMs[first + k],
    );
    if (!same) return false;
  }
  return true;
}

/** Whether two sets of stamps say the same (so there is nothing new to record). */
export function sameStamps(a: FolderStamps | undefined, b: FolderStamps): boolean {
  if (!a) return false;
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  return keys.every((key) => a[key] === b[key]);
}
