import { join } from 'node:path';
import { OrcError } from '../shared/index.js';
import {
  type Workspace,
  changeStamp,
  entryKind,
  listFolder,
  readText,
  removeTree,
  workspaceRelative,
  writeText,
} from '../storage/index.js';
import type { ChunkRef, IndexedDocument } from './knowledge-records.js';
import type { FolderStamps } from './knowledge-scan.js';
import { areDocColumns, defineLazyDocs, encodeDocs } from './knowledge-index-docs.js';

/*
 * The files of the knowledge index in .orc/knowledge/: index.json (the state: documents and overlay)
 * and one folder per base (chunks.json and the term shards). They are derived and machine-local, so
 * whatever is wrong with them (deleted, truncated, garbled, written by another version) is never an
 * error for the user: a reader sees an IndexDamage and the index is rebuilt from knowledge/.
 */

/**
 * 2: a base has as many term shards as its size asks (`shards`) and a lengths.json; an index of
 * format 1 (64 shards, which a reader of 1 would assume) is rebuilt, never read with the wrong count.
 * 3: the documents are stored by column (knowledge-index-docs.ts); one of format 2 is read as it is
 * and written as 3.
 */
export const INDEX_FORMAT = 3;
/** The fewest term shards a base has. */
export const SHARDS = 64;

export interface OverlayChunk extends ChunkRef {
  tf: Record<string, number>;
}

export interface IndexState {
  format: number;
  generation: number;
  base: string | null;
  baseChunks: number;
  baseLength: number;
  /** How many term shards the base has (SHARDS when absent: an index with no base). */
  shards?: number;
  /** Base chunk ranges `[first, count, total length]` replaced by later changes. */
  deleted: [number, number, number][];
  docs: Record<string, IndexedDocument>;
  overlay: OverlayChunk[];
}

export type BaseChunk = [doc: string, heading: string, from: number, to: number, len: number, hash: string];

/** A file of the index that is missing or does not hold what was written: rebuild the index. */
export class IndexDamage extends OrcError {
  constructor(ws: Workspace, file: string, why: string) {
    super(
      'CORRUPT',
      `the knowledge index file ${workspaceRelative(ws, file)} ${why}: run \`orc kb reindex\``,
      {
        details: { file: workspaceRelative(ws, file) },
      },
    );
  }
}

const stateFile = (ws: Workspace) => join(ws.knowledgeIndexDir, 'index.json');
const baseDir = (ws: Workspace, base: string) => join(ws.knowledgeIndexDir, `base-${base}`);
const foldersFile = (ws: Workspace) => join(ws.knowledgeIndexDir, 'folders.json');
const FOLDERS_FORMAT = 1;
const BASE_NAME = /^b-[0-9a-z]{1,32}$/;

// The parsed index.json of each workspace, reused while the file is the same (a server asks often).
const stateCache = new Map<string, { stamp: string; state: IndexState; outdated: boolean }>();

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isRange = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every(isCount);

function isChunkRef(c: unknown): boolean {
  return (
    isObject(c) &&
    typeof c.doc === 'string' &&
    typeof c.heading === 'string' &&
    isCount(c.from) &&
    isCount(c.to) &&
    isCount(c.len) &&
    typeof c.hash === 'string'
  );
}

/**
 * The index state in parsed JSON, its documents decoded (format 3) or as stored (format 2), or
 * undefined when it does not have the shape this version reads.
 */
function asIndexState(s: unknown): IndexState | undefined {
  if (!isObject(s)) return undefined;
  if (s.format === INDEX_FORMAT) {
    const columns = s.docs;
    if (!areDocColumns(columns)) return undefined;
    s.docs = {}; // for isIndexState; the documents are built from the columns when first asked for
    if (!isIndexState(s)) return undefined;
    defineLazyDocs(s, columns);
    return s;
  }
  if (s.format === 2 && areStoredDocs(s.docs)) s.format = INDEX_FORMAT;
  else return undefined;
  return isIndexState(s) ? s : undefined;
}

/** Whether the documents of a format 2 index (one object per document) have the shape it wrote. */
function areStoredDocs(docs: unknown): boolean {
  if (!isObject(docs)) return false;
  for (const doc of Object.values(docs)) {
    if (!isObject(doc) || typeof doc.hash !== 'string' || !Array.isArray(doc.tags)) return false;
    if (typeof doc.mtimeMs !== 'number' || !isCount(doc.size)) return false;
    if (doc.base !== undefined && !isRange(doc.base)) return false;
  }
  return true;
}

/** Whether parsed JSON (its documents decoded) has the shape of an index state. */
function isIndexState(s: Record<string, unknown>): s is Record<string, unknown> & IndexState {
  if (!isCount(s.generation)) return false;
  if (!(s.base === null || (typeof s.base === 'string' && BASE_NAME.test(s.base)))) return false;
  if (!isCount(s.baseChunks) || typeof s.baseLength !== 'number') return false;
  if (s.shards !== undefined && !(isCount(s.shards) && s.shards >= 1 && s.shards <= 4096)) return false;
  if (!Array.isArray(s.deleted) || !s.deleted.every(isRange)) return false;
  if (!isObject(s.docs)) return false;
  return (
    Array.isArray(s.overlay) &&
    s.overlay.every((c) => isChunkRef(c) && isObject(c.tf) && Object.values(c.tf).every(isCount))
  );
}

/** The index as stored, or why it cannot be used (missing is no damage: there is none yet). */
export function inspectIndexState(ws: Workspace): {
  state?: IndexState;
  damage?: string;
  /** Stored in an older format that this version reads: the next refresh writes it anew. */
  outdated?: boolean;
} {
  const file = stateFile(ws);
  const stamp = changeStamp(ws, file);
  if (stamp === undefined) return {};
  const cached = stateCache.get(ws.root);
  if (cached?.stamp === stamp) return { state: cached.state, outdated: cached.outdated };
  const where = workspaceRelative(ws, file);
  if (entryKind(ws, file) !== 'file') return { damage: `${where} is not a file` };
  const text = readText(ws, file);
  if (text === undefined) return {};
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { damage: `${where} does not parse` };
  }
  const outdated = isObject(state) && state.format !== INDEX_FORMAT;
  const read = asIndexState(state);
  if (!read) return { damage: `${where} is not an index of format ${INDEX_FORMAT}` };
  stateCache.set(ws.root, { stamp, state: read, outdated });
  return { state: read, outdated };
}

/** The index as stored, or undefined when it is missing, unreadable or of another format. */
export function readIndexState(ws: Workspace): IndexState | undefined {
  return inspectIndexState(ws).state;
}

export function writeIndexState(ws: Workspace, state: IndexState): void {
  const file = stateFile(ws);
  if (entryKind(ws, file) === 'folder') removeTree(ws, file); // a damaged cache, nothing of the user's
  writeText(ws, file, JSON.stringify({ ...state, format: INDEX_FORMAT, docs: encodeDocs(state.docs) }));
}

/**
 * The folder stamps recorded with the index of one generation (see knowledge-scan.ts), in a small
 * file of their own: stamps that settle are recorded without rewriting index.json. Stamps of another
 * generation or base than the index are not trusted (undefined: every folder is listed again).
 */
export function readFolderStamps(ws: Workspace, state: IndexState): FolderStamps | undefined {
  const file = foldersFile(ws);
  if (entryKind(ws, file) !== 'file') return undefined;
  const text = readText(ws, file);
  if (text === undefined) return undefined;
  let read: unknown;
  try {
    read = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
  if (!isObject(read) || read.format !== FOLDERS_FORMAT) return undefined;
  if (read.generation !== state.generation || read.base !== state.base || !isObject(read.folders))
    return undefined;
  const folders = read.folders;
  for (const stamp of Object.values(folders))
    if (stamp !== null && typeof stamp !== 'string') return undefined;
  return folders as FolderStamps;
}

export function writeFolderStamps(ws: Workspace, state: IndexState, folders: FolderStamps): void {
  const file = foldersFile(ws);
  if (entryKind(ws, file) === 'folder') removeTree(ws, file);
  const record = { format: FOLDERS_FORMAT, generation: state.generation, base: state.base, folders };
  writeText(ws, file, JSON.stringify(record));
}

/** Writes a new base's files; the state naming it is written after them. */
export function writeBase(
  ws: Workspace,
  base: string,
  chunks: BaseChunk[],
  shards: Map<string, number[]>[],
): void {
  const dir = baseDir(ws, base);
  shards.forEach((shard, i) => {
    // fromEntries defines each key as its own property: a term "__proto__" is kept as a term.
    writeText(ws, join(dir, `terms-${i}.json`), JSON.stringify(Object.fromEntries(shard)));
  });
  writeText(ws, join(dir, 'chunks.json'), JSON.stringify(chunks));
  // The chunk lengths alone, for ranking: a query reads them, and the chunk table only when the
  // documents of its hits changed since they were indexed.
  writeText(ws, join(dir, 'lengths.json'), JSON.stringify(chunks.map((chunk) => chunk[4])));
}

/** Removes every base but `keep`, and anything else in the index folder that orc did not put there. */
export function removeOtherBases(ws: Workspace, keep: string | null): void {
  for (const entry of listFolder(ws, ws.knowledgeIndexDir)) {
    if (entry.name.startsWith('base-') && entry.name !== `base-${keep}`) {
      removeTree(ws, join(ws.knowledgeIndexDir, entry.name));
    }
  }
}

type Shard = Record<string, number[]>;

// Parsed base files, kept for the life of the process (a server answers many queries).
const baseCache = new Map<
  string,
  { chunks?: BaseChunk[]; lengths?: Int32Array; shards: Map<number, Shard>; checked: Set<string> }
>();

function readBaseJson(ws: Workspace, file: string): unknown {
  const text = readText(ws, file);
  if (text === undefined) throw new IndexDamage(ws, file, 'is missing');
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new IndexDamage(ws, file, 'does not parse');
  }
}

const isBaseChunk = (c: unknown) =>
  Array.isArray(c) &&
  c.length === 6 &&
  typeof c[0] === 'string' &&
  typeof c[1] === 'string' &&
  isCount(c[2]) &&
  isCount(c[3]) &&
  isCount(c[4]) &&
  typeof c[5] === 'string';

/**
 * The files of one base, read on first use and checked against the state that names it; anything
 * missing or malformed is an IndexDamage.
 */
export function baseFiles(ws: Workspace, state: IndexState & { base: string }) {
  const base = state.base;
  const key = `${ws.root}\0${base}`;
  let entry = baseCache.get(key);
  if (!entry) {
    if (baseCache.size > 8) baseCache.clear();
    entry = { shards: new Map(), checked: new Set() };
    baseCache.set(key, entry);
  }
  const cached = entry;
  return {
    lengths(): Int32Array {
      if (!cached.lengths) {
        const file = join(baseDir(ws, base), 'lengths.json');
        // A base written before lengths.json existed: the lengths are in the chunk table.
        if (entryKind(ws, file) === undefined)
          cached.lengths = Int32Array.from(this.chunks(), (chunk) => chunk[4]);
        else {
          const lengths = readBaseJson(ws, file);
          if (!Array.isArray(lengths) || lengths.length !== state.baseChunks || !lengths.every(isCount))
            throw new IndexDamage(ws, file, `does not hold the ${state.baseChunks} lengths of its index`);
          cached.lengths = Int32Array.from(lengths as number[]);
        }
      }
      return cached.lengths;
    },
    chunks(): BaseChunk[] {
      if (!cached.chunks) {
        const file = join(baseDir(ws, base), 'chunks.json');
        const chunks = readBaseJson(ws, file);
        if (!Array.isArray(chunks) || chunks.length !== state.baseChunks || !chunks.every(isBaseChunk))
          throw new IndexDamage(ws, file, `does not hold the ${state.baseChunks} sections of its index`);
        cached.chunks = chunks as BaseChunk[];
      }
      return cached.chunks;
    },
    shard(i: number): Shard {
      let shard = cached.shards.get(i);
      if (!shard) {
        const file = join(baseDir(ws, base), `terms-${i}.json`);
        const read = readBaseJson(ws, file);
        if (!isObject(read)) throw new IndexDamage(ws, file, 'is not a term shard of its index');
        // Looked up with Object.hasOwn only: a term may well be "constructor" or "__proto__".
        shard = read as Shard;
        cached.shards.set(i, shard);
      }
      return shard;
    },
    /**
     * A term's postings in shard `i` (empty when none), checked on first use: a query checks the
     * lists of its own terms, not the thousands of others in their shards.
     */
    postings(i: number, term: string): number[] {
      const shard = this.shard(i);
      if (!Object.hasOwn(shard, term)) return [];
      const list = shard[term]!;
      const key = `${i}\0${term}`;
      if (!cached.checked.has(key)) {
        if (!isPostings(list, state.baseChunks))
          throw new IndexDamage(
            ws,
            join(baseDir(ws, base), `terms-${i}.json`),
            'is not a term shard of its index',
          );
        cached.checked.add(key);
      }
      return list;
    },
  };
}

/** A term's postings: chunk number (below the base's count) and term count, alternately. */
function isPostings(list: unknown, baseChunks: number): boolean {
  if (!Array.isArray(list) || list.length % 2 !== 0) return false;
  // A loop, not `every`: a common term's list holds tens of thousands of numbers.
  for (let j = 0; j < list.length; j += 2) {
    const chunk = list[j];
    if (!isCount(chunk) || chunk >= baseChunks || !isCount(list[j + 1])) return false;
  }
  return true;
}

/**
 * Reads every file of the state's base (what `orc kb reindex` does before trusting an index), and
 * says what is wrong with the first damaged one, if any.
 */
export function baseDamage(ws: Workspace, state: IndexState): string | undefined {
  if (!state.base) return undefined;
  baseCache.delete(`${ws.root}\0${state.base}`);
  const files = baseFiles(ws, state as IndexState & { base: string });
  try {
    files.chunks();
    files.lengths();
    for (let i = 0; i < (state.shards ?? SHARDS); i++)
      for (const term of Object.keys(files.shard(i))) files.postings(i, term);
  } catch (error) {
    if (!(error instanceof IndexDamage)) throw error;
    baseCache.delete(`${ws.root}\0${state.base}`);
    return error.message.replace(/: run `orc kb reindex`$/, '');
  }
  return undefined;
}
