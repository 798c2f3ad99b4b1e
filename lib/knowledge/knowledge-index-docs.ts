import type { IndexedDocument } from './knowledge-records.js';

/*
 * How index.json stores what it knows of each document: by column (every document's file, then every
 * hash, …) rather than one object per document. At 10,000 documents JSON.parse builds some ten arrays
 * instead of 10,000 objects with their tag and range arrays, which is most of what `kb list` costs
 * (about three times less parse and garbage collection). In memory the index keeps one object per
 * document, built here in one pass with one shape.
 */

/** The documents of an index as index.json stores them (format 3). */
export interface DocColumns {
  file: string[];
  hash: string[];
  mtimeMs: number[];
  size: number[];
  title: string[];
  tags: string[][];
  author: (string | null)[];
  updated: (string | null)[];
  recalls: (number | null)[];
  problem: (string | null)[];
  chunks: number[];
  /** `[first, count, length]` per document, flat; -1, -1, -1 for a document with no base chunks. */
  base: number[];
}

export function encodeDocs(docs: Record<string, IndexedDocument>): DocColumns {
  const columns: DocColumns = {
    file: [],
    hash: [],
    mtimeMs: [],
    size: [],
    title: [],
    tags: [],
    author: [],
    updated: [],
    recalls: [],
    problem: [],
    chunks: [],
    base: [],
  };
  for (const [file, doc] of Object.entries(docs)) {
    columns.file.push(file);
    columns.hash.push(doc.hash);
    columns.mtimeMs.push(doc.mtimeMs);
    columns.size.push(doc.size);
    columns.title.push(doc.title);
    columns.tags.push(doc.tags);
    columns.author.push(doc.author ?? null);
    columns.updated.push(doc.updated ?? null);
    columns.recalls.push(doc.recalls ?? null);
    columns.problem.push(doc.problem ?? null);
    columns.chunks.push(doc.chunks);
    columns.base.push(...(doc.base ?? [-1, -1, -1]));
  }
  return columns;
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

// Each column is checked in a loop of its own: one check per value, the same check throughout (run
// for every `kb list` at 10,000 documents, in a process whose code is not yet optimised).
const every = (values: unknown[], ok: (v: unknown) => boolean) => {
  for (let i = 0; i < values.length; i++) if (!ok(values[i])) return false;
  return true;
};
const isText = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number';
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';
const isCountOrNull = (v: unknown) => v === null || isCount(v);
// A document's file name ends in .md (any case), so no name is __proto__ or another key of Object.
const isDocFile = (v: unknown) => {
  if (typeof v !== 'string' || v.length < 3) return false;
  const end = v.charCodeAt(v.length - 1) | 32;
  return end === 100 && (v.charCodeAt(v.length - 2) | 32) === 109 && v.charCodeAt(v.length - 3) === 46;
};
const isTags = (v: unknown) => Array.isArray(v) && every(v, isText);

/** The columns and what each of their values must be (base is checked by threes). */
const COLUMN_CHECKS: ReadonlyArray<readonly [keyof DocColumns, (v: unknown) => boolean]> = [
  ['file', isDocFile],
  ['hash', isText],
  ['mtimeMs', isNumber],
  ['size', isCount],
  ['title', isText],
  ['tags', isTags],
  ['author', isTextOrNull],
  ['updated', isTextOrNull],
  ['recalls', isCountOrNull],
  ['problem', isTextOrNull],
  ['chunks', isCount],
];

/** Whether stored columns are what format 3 writes: every column as long, every value of its type. */
export function areDocColumns(stored: unknown): stored is DocColumns {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return false;
  const c = stored as Record<string, unknown>;
  const n = Array.isArray(c.file) ? c.file.length : -1;
  for (const [name, ok] of COLUMN_CHECKS) {
    const column = c[name];
    if (!Array.isArray(column) || column.length !== n || !every(column, ok)) return false;
  }
  const base = c.base;
  if (!Array.isArray(base) || base.length !== 3 * n) return false;
  for (let i = 0; i < base.length; i += 3) {
    const first = base[i];
    const none = first === -1;
    if (
      !(none
        ? base[i + 1] === -1 && base[i + 2] === -1
        : isCount(first) && isCount(base[i + 1]) && isCount(base[i + 2]))
    )
      return false;
  }
  return true;
}

/** One object per document, from columns that areDocColumns accepted. */
export function decodeDocs(columns: DocColumns): Record<string, IndexedDocument> {
  const docs: Record<string, IndexedDocument> = {};
  for (let i = 0; i < columns.file.length; i++) docs[columns.file[i]!] = docAt(columns, i);
  return docs;
}

/** The record of the document in row `i` of the columns. */
function docAt(columns: DocColumns, i: number): IndexedDocument {
  const doc: IndexedDocument = {
    hash: columns.hash[i]!,
    title: columns.title[i]!,
    tags: columns.tags[i]!,
    chunks: columns.chunks[i]!,
    mtimeMs: columns.mtimeMs[i]!,
    size: columns.size[i]!,
  };
  const author = columns.author[i];
  const updated = columns.updated[i];
  const recalls = columns.recalls[i];
  const problem = columns.problem[i];
  if (author !== null && author !== undefined) doc.author = author;
  if (updated !== null && updated !== undefined) doc.updated = updated;
  if (recalls !== null && recalls !== undefined) doc.recalls = recalls;
  if (problem !== null && problem !== undefined) doc.problem = problem;
  const first = columns.base[3 * i]!;
  if (first !== -1) doc.base = [first, columns.base[3 * i + 1]!, columns.base[3 * i + 2]!];
  return doc;
}

// The columns each index state was read from, while its documents are as read.
const columnsOf = new WeakMap<object, DocColumns>();

/**
 * Gives `state` the documents of `columns` as its `docs`, built on first use: `kb list` reads the
 * columns (storedColumns) and never needs the 10,000 objects.
 */
export function defineLazyDocs(state: { docs?: unknown }, columns: DocColumns): void {
  let docs: Record<string, IndexedDocument> | undefined;
  Object.defineProperty(state, 'docs', {
    configurable: true,
    enumerable: true,
    get: () => {
      docs ??= decodeDocs(columns);
      return docs;
    },
    set: (value) => {
      columnsOf.delete(state);
      Object.defineProperty(state, 'docs', { value, writable: true, configurable: true, enumerable: true });
    },
  });
  columnsOf.set(state, columns);
}

/** The columns an index state was read from, if it was read from format 3 and not changed since. */
export function storedColumns(state: object): DocColumns | undefined {
  return columnsOf.get(state);
}

/**
 * A document's record, from the stored columns when the state still has them (a search looks up its
 * few hits without building the 10,000 objects), else from its documents.
 */
export function indexedDoc(
  state: { docs: Record<string, IndexedDocument> },
  file: string,
): IndexedDocument | undefined {
  const columns = columnsOf.get(state);
  if (!columns) return Object.hasOwn(state.docs, file) ? state.docs[file] : undefined;
  const i = columns.file.indexOf(file);
  return i < 0 ? undefined : docAt(columns, i);
}
