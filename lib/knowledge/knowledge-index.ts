import { join } from 'node:path';
import { newId } from '../shared/index.js';
import { readText, readTextsIn } from '../storage/index.js';
import { type KnowledgeFile, contentHash } from './knowledge-files.js';
import {
  type ScanLevel,
  columnsUnchanged,
  foldersUnchanged,
  sameStamps,
  scanKnowledge,
} from './knowledge-scan.js';
import { indexedDoc, storedColumns } from './knowledge-index-docs.js';
import { analyseDocument, chunkPlaces, termCounts } from './knowledge-analysis.js';
import type { ChunkRef, IndexedDocument } from './knowledge-records.js';
import { deletedTest, rankBm25 } from './knowledge-ranking.js';
import {
  type BaseChunk,
  INDEX_FORMAT,
  IndexDamage,
  type IndexState,
  SHARDS,
  baseDamage,
  baseFiles,
  inspectIndexState,
  readFolderStamps,
  readIndexState,
  removeOtherBases,
  writeBase,
  writeFolderStamps,
  writeIndexState,
} from './knowledge-index-files.js';
import { withLocalLock } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';
import { terms } from '../shared/index.js';

/*
 * The lexical index of knowledge/: BM25 over heading-sized chunks, kept in .orc/knowledge/ (derived,
 * git-ignored, rebuilt when missing or damaged). A full build writes an immutable *base*: chunk table
 * plus postings sharded by term, so a query reads only the shards of its own terms. Later changes go
 * to a small *overlay* in index.json (the changed chunks with their term counts, and the base chunks
 * they replace), so re-indexing one document rewrites one small file whatever the size of the base.
 * When the overlay grows past OVERLAY_LIMIT chunks or a quarter of the base, the next refresh rebuilds.
 */

const OVERLAY_LIMIT = 1_000;

export { INDEX_FORMAT, IndexDamage, type IndexState, readIndexState } from './knowledge-index-files.js';

export interface RefreshOptions {
  /**
   * Hash every file, not only those whose size or mtime changed, and read every file of the index:
   * a damaged one makes it rebuild.
   */
  verify?: boolean;
  /**
   * Skip the walk of knowledge/ if this process found it matching the index less than this long ago
   * (a long-lived server or runner); 0, the default, always walks.
   */
  maxAgeMs?: number;
  /** Ignore the index on disk and build it again. */
  full?: boolean;
  /**
   * How closely knowledge/ is checked (see knowledge-scan.ts): `files` (the default) sees every
   * change, an edit in place too; `folders` trusts the folders whose entries did not change, and
   * misses an edit in place until its folder changes or a `files` check runs.
   */
  check?: 'folders' | 'files';
  onProgress?: (done: number, total: number) => void;
}

export interface RefreshResult {
  state: IndexState;
  changed: string[];
  removed: string[];
  rebuilt: boolean;
  /** What was wrong with the index on disk, when that is why it was rebuilt. */
  repaired?: string;
}

// When each workspace's files were last found to match the index, in this process.
const checkedAt = new Map<string, number>();

/** Forget that the files were checked: the next refresh walks them (after this process wrote one). */
export function invalidateFreshness(ws: Workspace): void {
  checkedAt.delete(ws.root);
}

interface Pending {
  changed: { file: KnowledgeFile; text: string }[];
  touched: KnowledgeFile[];
  removed: string[];
}

/** What differs between the index and the files: by size and mtime, confirmed by content hash. */
function pendingChanges(
  ws: Workspace,
  state: IndexState | undefined,
  files: KnowledgeFile[],
  verify: boolean,
  /** Texts read by an earlier check of this refresh: used again while the file's size and mtime hold. */
  earlier?: Pending,
) {
  const pending: Pending = { changed: [], touched: [], removed: [] };
  const seen = new Set<string>();
  const suspects: KnowledgeFile[] = [];
  for (const file of files) {
    seen.add(file.file);
    const known = state?.docs[file.file];
    if (known && !verify && known.mtimeMs === file.mtimeMs && known.size === file.size) continue;
    suspects.push(file);
  }
  const read = new Map<string, string>();
  for (const { file, text } of earlier?.changed ?? [])
    read.set(`${file.file}\0${file.mtimeMs}\0${file.size}`, text);
  const again = (file: KnowledgeFile) => read.get(`${file.file}\0${file.mtimeMs}\0${file.size}`);
  const texts = readKnowledgeTexts(
    ws,
    suspects.filter((file) => again(file) === undefined),
  );
  for (const file of suspects) {
    const earlierText = again(file);
    if (earlierText !== undefined) texts.set(file.file, earlierText);
    const text = texts.get(file.file);
    if (text === undefined) continue; // removed while we walked: the next refresh sees it gone
    const known = state?.docs[file.file];
    if (known && known.hash === contentHash(text)) {
      if (known.mtimeMs !== file.mtimeMs || known.size !== file.size) pending.touched.push(file);
    } else pending.changed.push({ file, text });
  }
  for (const doc of Object.keys(state?.docs ?? {})) if (!seen.has(doc)) pending.removed.push(doc);
  return pending;
}

let documentsRead = 0;

/** How many documents this process's index refreshes have read (tests: an unchanged base reads none). */
export function countKnowledgeDocumentsRead(): number {
  return documentsRead;
}

/** The texts of knowledge files, read folder by folder (a folder confined once, not once per file). */
function readKnowledgeTexts(ws: Workspace, files: KnowledgeFile[]): Map<string, string> {
  const byFolder = new Map<string, string[]>();
  for (const { file } of files) {
    const slash = file.lastIndexOf('/');
    const folder = slash < 0 ? '' : file.slice(0, slash);
    const names = byFolder.get(folder);
    if (names) names.push(file.slice(slash + 1));
    else byFolder.set(folder, [file.slice(slash + 1)]);
  }
  const texts = new Map<string, string>();
  documentsRead += files.length;
  for (const [folder, names] of byFolder) {
    const read = readTextsIn(ws, join(ws.knowledgeDir, folder), names);
    for (const [name, text] of read) texts.set(folder ? `${folder}/${name}` : name, text);
  }
  return texts;
}

const isEmpty = (p: Pending) => p.changed.length + p.touched.length + p.removed.length === 0;

/**
 * Brings the index up to date with knowledge/: a no-op read when nothing changed, else the changed
 * documents go into the overlay (or everything into a new base) under the index lock.
 */
export async function refreshIndex(ws: Workspace, options: RefreshOptions = {}): Promise<RefreshResult> {
  const level: ScanLevel = options.full || options.verify ? 'walk' : (options.check ?? 'files');
  const onDisk = level === 'walk' ? undefined : inspectIndexState(ws);
  // An index of an older format is written anew, under the lock, even when nothing changed.
  const quick = onDisk?.outdated ? undefined : onDisk?.state;
  let outside: Pending | undefined;
  if (quick) {
    const recent = Date.now() - (checkedAt.get(ws.root) ?? 0) < (options.maxAgeMs ?? 0);
    if (recent) return { state: quick, changed: [], removed: [], rebuilt: false };
    const recorded = readFolderStamps(ws, quick);
    const columns = storedColumns(quick);
    const unchanged =
      level === 'folders'
        ? foldersUnchanged(ws, recorded)
        : columns !== undefined && columnsUnchanged(ws, columns, recorded);
    if (unchanged) {
      if (level === 'files') checkedAt.set(ws.root, Date.now());
      return { state: quick, changed: [], removed: [], rebuilt: false };
    }
    const scan = scanKnowledge(ws, quick.docs, recorded, level);
    outside = pendingChanges(ws, quick, scan.files, false);
    if (isEmpty(outside)) {
      // Folders that settled since (or stamps of an index written before stamps were): recorded
      // outside the lock, which is safe: stamps of an older generation than the index are ignored.
      if (!sameStamps(recorded, scan.folders)) writeFolderStamps(ws, quick, scan.folders);
      if (level === 'files') checkedAt.set(ws.root, Date.now());
      return { state: quick, changed: [], removed: [], rebuilt: false };
    }
  }
  return withLocalLock(ws, 'knowledge', () => {
    const stored = options.full ? { outdated: false } : inspectIndexState(ws);
    let current = stored.state;
    let repaired = stored.damage;
    if (current && options.verify) {
      repaired = baseDamage(ws, current);
      if (repaired) current = undefined;
    }
    const recorded = current ? readFolderStamps(ws, current) : undefined;
    const scan = scanKnowledge(ws, current?.docs ?? {}, recorded, level);
    const files = scan.files;
    const pending = pendingChanges(ws, current, files, Boolean(options.verify), outside);
    const changed = pending.changed.map((c) => c.file.file);
    if (current && isEmpty(pending) && !stored.outdated) {
      if (!sameStamps(recorded, scan.folders)) writeFolderStamps(ws, current, scan.folders);
      return { state: current, changed, removed: [], rebuilt: false };
    }
    let state: IndexState;
    let rebuilt = false;
    if (current && !needsRebuild(current, pending)) {
      state = applyChanges(current, pending, options.onProgress);
    } else {
      state = buildBase(ws, files, current, pending, options.onProgress);
      rebuilt = true;
    }
    state.generation = (current?.generation ?? 0) + 1;
    writeIndexState(ws, state);
    writeFolderStamps(ws, state, scan.folders);
    if (rebuilt) removeOtherBases(ws, state.base);
    if (level !== 'folders') checkedAt.set(ws.root, Date.now());
    return { state, changed, removed: pending.removed, rebuilt, ...(repaired ? { repaired } : {}) };
  });
}

/**
 * Runs `use` on the index, rebuilding it first when one of its files turns out damaged (or removed by
 * a concurrent rebuild, in which case the new one is used as it is).
 */
export async function withIndexRepair<T>(
  ws: Workspace,
  state: IndexState,
  use: (state: IndexState) => T | Promise<T>,
): Promise<{ state: IndexState; value: T }> {
  try {
    return { state, value: await use(state) };
  } catch (error) {
    if (!(error instanceof IndexDamage)) throw error;
  }
  const now = readIndexState(ws);
  const fresh = now && now.base !== state.base ? now : (await refreshIndex(ws, { full: true })).state;
  return { state: fresh, value: await use(fresh) };
}

function needsRebuild(state: IndexState, pending: Pending): boolean {
  const replaced = new Set([...pending.changed.map((c) => c.file.file), ...pending.removed]);
  let deleted = state.deleted.reduce((n, [, count]) => n + count, 0);
  let overlay = state.overlay.filter((c) => !replaced.has(c.doc)).length;
  for (const doc of replaced) deleted += state.docs[doc]?.base?.[1] ?? 0;
  for (const { text } of pending.changed) overlay += Math.ceil(text.length / 1_000); // a rough chunk count
  return (
    overlay > Math.max(OVERLAY_LIMIT, state.baseChunks / 4) || deleted > Math.max(200, state.baseChunks / 4)
  );
}

function applyChanges(
  state: IndexState,
  pending: Pending,
  onProgress?: RefreshOptions['onProgress'],
): IndexState {
  const next: IndexState = { ...state, docs: { ...state.docs }, deleted: [...state.deleted] };
  const replaced = new Set([...pending.changed.map((c) => c.file.file), ...pending.removed]);
  for (const doc of replaced) {
    const base = next.docs[doc]?.base;
    if (base) next.deleted.push(base);
    delete next.docs[doc];
  }
  next.overlay = state.overlay.filter((c) => !replaced.has(c.doc));
  pending.changed.forEach(({ file, text }, i) => {
    const analysed = analyseDocument(file.file, text);
    next.docs[file.file] = { ...analysed.entry, mtimeMs: file.mtimeMs, size: file.size };
    for (const { terms: lists, ...chunk } of analysed.chunks)
      next.overlay.push({ ...chunk, tf: termCounts(lists) });
    onProgress?.(i + 1, pending.changed.length);
  });
  for (const file of pending.touched) {
    next.docs[file.file] = { ...next.docs[file.file]!, mtimeMs: file.mtimeMs, size: file.size };
  }
  return next;
}

/** A new base from every file: chunk table and term shards in a fresh folder. */
function buildBase(
  ws: Workspace,
  files: KnowledgeFile[],
  current: IndexState | undefined,
  pending: Pending,
  onProgress?: RefreshOptions['onProgress'],
): IndexState {
  const texts = new Map(pending.changed.map((c) => [c.file.file, c.text]));
  const chunks: BaseChunk[] = [];
  // Postings by term, spread over the shards once per term when written.
  const postings = new Map<string, number[]>();
  const docs: Record<string, IndexedDocument> = {};
  let totalLength = 0;
  files.forEach((file, i) => {
    let text = texts.get(file.file);
    if (text === undefined) {
      documentsRead++;
      text = readText(ws, join(ws.knowledgeDir, file.file));
    }
    if (text === undefined) return; // removed meanwhile
    const analysed = analyseDocument(file.file, text);
    const first = chunks.length;
    let docLength = 0;
    for (const chunk of analysed.chunks) {
      const no = chunks.length;
      chunks.push([chunk.doc, chunk.heading, chunk.from, chunk.to, chunk.len, chunk.hash]);
      // Counted straight into the postings: a term seen last in this chunk adds to its count.
      for (const chunkTerms of chunk.terms) {
        for (const term of chunkTerms) {
          const list = postings.get(term);
          if (list === undefined) postings.set(term, [no, 1]);
          else if (list[list.length - 2] === no) list[list.length - 1]!++;
          else list.push(no, 1);
        }
      }
      docLength += chunk.len;
    }
    totalLength += docLength;
    docs[file.file] = {
      ...analysed.entry,
      mtimeMs: file.mtimeMs,
      size: file.size,
      ...(analysed.chunks.length > 0 ? { base: [first, analysed.chunks.length, docLength] } : {}),
    };
    onProgress?.(i + 1, files.length);
  });
  // Shards of some 12,000 postings (about 60 KB) each: a query parses the shards of its terms.
  let numbers = 0;
  for (const list of postings.values()) numbers += list.length;
  const count = Math.min(1024, Math.max(SHARDS, 2 ** Math.ceil(Math.log2(numbers / 24_000))));
  const shards: Map<string, number[]>[] = Array.from({ length: count }, () => new Map());
  for (const [term, list] of postings) shards[shardOf(term, count)]!.set(term, list);
  const base = newId('b');
  writeBase(ws, base, chunks, shards);
  return {
    format: INDEX_FORMAT,
    generation: current?.generation ?? 0,
    base,
    baseChunks: chunks.length,
    baseLength: totalLength,
    shards: count,
    deleted: [],
    docs,
    overlay: [],
  };
}

/** FNV-1a: a stable, fast spread of terms over the shards. */
function shardOf(term: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    hash ^= term.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** A scored chunk. */
export interface ScoredChunk {
  chunk: ChunkRef;
  score: number;
}

/**
 * BM25 over live chunks of base and overlay (see rankBm25); best first, at most `limit`. With `lazy`,
 * a chunk is placed in its document when first read (a search that stops at its fifth document reads
 * those, not the fifty `limit` asks for); a damaged chunk table is then an IndexDamage at that read.
 */
export function searchIndex(
  ws: Workspace,
  state: IndexState,
  query: string,
  limit: number,
  options: { lazy?: boolean } = {},
): ScoredChunk[] {
  // An empty knowledge base (every brief searches it) answers before the query is stemmed.
  if (state.baseChunks === 0 && state.overlay.length === 0) return [];
  const queryTerms = [...new Set(terms(query))];
  if (queryTerms.length === 0) return [];
  const base = state.base ? baseFiles(ws, state as IndexState & { base: string }) : undefined;
  const ranked = rankBm25(
    {
      state,
      baseLengths: base ? base.lengths() : [],
      postings: (term) => base?.postings(shardOf(term, state.shards ?? SHARDS), term) ?? [],
    },
    queryTerms,
    limit,
  );
  const placeOf = base ? basePlaces(ws, state, base) : undefined;
  const place = (key: number): ChunkRef => {
    if (key >= 0) return placeOf!(key);
    const { tf: _tf, ...chunk } = state.overlay[-key - 1]!;
    return chunk;
  };
  if (!options.lazy) return ranked.map(({ key, score }) => ({ chunk: place(key), score }));
  return ranked.map(({ key, score }) => {
    let chunk: ChunkRef | undefined;
    return {
      get chunk() {
        chunk ??= place(key);
        return chunk;
      },
      score,
    };
  });
}

/**
 * Where base chunks lie: found by cutting their document again, which costs a few documents per query
 * where the chunk table of the whole base costs tens of milliseconds to parse. The table is read only
 * when a document no longer holds what was indexed (changed since the refresh, or removed).
 */
function basePlaces(
  ws: Workspace,
  state: IndexState,
  base: ReturnType<typeof baseFiles>,
): (key: number) => ChunkRef {
  const ranges = baseRanges(state);
  const byDoc = new Map<string, ChunkRef[] | undefined>();
  const fromTable = (key: number): ChunkRef => {
    const [doc, heading, from, to, len, hash] = base.chunks()[key]!;
    return { doc, heading, from, to, len, hash };
  };
  return (key) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ranges[mid]![0] <= key) lo = mid;
      else hi = mid - 1;
    }
    const range = ranges[lo];
    if (!range || key < range[0] || key >= range[0] + range[1]) return fromTable(key);
    const [first, count, doc] = range;
    if (!byDoc.has(doc)) {
      const text = readText(ws, join(ws.knowledgeDir, doc));
      const same = text !== undefined && contentHash(text) === indexedDoc(state, doc)?.hash;
      const places = same ? chunkPlaces(doc, text) : undefined;
      byDoc.set(doc, places?.length === count ? places : undefined);
    }
    const place = byDoc.get(doc)?.[key - first];
    return place ? { ...place, len: base.lengths()[key]! } : fromTable(key);
  };
}

// The base ranges of each index state read (a search asks once per query; 10,000 documents a state).
const rangesOf = new WeakMap<IndexState, [first: number, count: number, doc: string][]>();

/** The documents' base chunk ranges, by first chunk: in the order buildBase gave them, mostly. */
function baseRanges(state: IndexState): [first: number, count: number, doc: string][] {
  let ranges = rangesOf.get(state);
  if (ranges) return ranges;
  ranges = [];
  let sorted = true;
  const add = (first: number, count: number, doc: string) => {
    if (ranges!.length > 0 && ranges![ranges!.length - 1]![0] > first) sorted = false;
    ranges!.push([first, count, doc]);
  };
  const columns = storedColumns(state);
  if (columns) {
    // From the stored columns: no object per document built for a query.
    const { file, base } = columns;
    for (let i = 0; i < file.length; i++)
      if (base[3 * i] !== -1) add(base[3 * i]!, base[3 * i + 1]!, file[i]!);
  } else
    for (const doc in state.docs) {
      const base = state.docs[doc]!.base;
      if (base) add(base[0], base[1], doc);
    }
  if (!sorted) ranges.sort((a, b) => a[0] - b[0]);
  rangesOf.set(state, ranges);
  return ranges;
}

/** Every live chunk (for embedding): base chunks not replaced, then the overlay. */
export function liveChunks(ws: Workspace, state: IndexState): ChunkRef[] {
  const out: ChunkRef[] = [];
  if (state.base) {
    const isDeleted = deletedTest(state.deleted);
    baseFiles(ws, state as IndexState & { base: string })
      .chunks()
      .forEach(([doc, heading, from, to, len, hash], no) => {
        if (!isDeleted(no)) out.push({ doc, heading, from, to, len, hash });
      });
  }
  for (const { tf: _tf, ...chunk } of state.overlay) out.push(chunk);
  return out;
}

export type { ChunkRef, IndexedDocument } from './knowledge-records.js';
