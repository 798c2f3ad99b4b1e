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
const isDocFile = (v: unknown) => typeof v === 'string' && /\.md$/i.test(v); // never __proto__
const isTextOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isTags = (v: unknown): v is string[] => Array.isArray(v) && v.every((t) => typeof t === 'string');

const COLUMNS = ['file', 'hash', 'mtimeMs', 'size', 'title', 'tags', 'author', 'updated', 'recalls'];

/**
 * The documents of a stored index, or undefined when its columns are not what format 3 writes:
 * checked and built in one pass.
 */
export function decodeDocs(stored: unknown): Record<string, IndexedDocument> | undefined {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const c = stored as Record<string, unknown[]>;
  const n = Array.isArray(c.file) ? c.file.length : -1;
  for (const name of [...COLUMNS, 'problem', 'chunks'])
    if (!Array.isArray(c[name]) || c[name].length !== n) return undefined;
  if (!Array.isArray(c.base) || c.base.length !== 3 * n) return undefined;
  const columns = c as unknown as DocColumns;
  const docs: Record<string, IndexedDocument> = {};
  for (let i = 0; i < n; i++) {
    const file = columns.file[i];
    const hash = columns.hash[i];
    const mtimeMs = columns.mtimeMs[i];
    const size = columns.size[i];
    const title = columns.title[i];
    const tags = columns.tags[i];
    const chunks = columns.chunks[i];
    if (!isDocFile(file) || typeof hash !== 'string' || typeof mtimeMs !== 'number') return undefined;
    if (!isCount(size) || typeof title !== 'string' || !isTags(tags) || !isCount(chunks)) return undefined;
    const doc: IndexedDocument = { hash, title, tags, chunks, mtimeMs, size };
    const author = columns.author[i];
    const updated = columns.updated[i];
    const recalls = columns.recalls[i];
    const problem = columns.problem[i];
    if (!isTextOrNull(author) || !isTextOrNull(updated) || !isTextOrNull(problem)) return undefined;
    if (!(recalls === null || isCount(recalls))) return undefined;
    if (author !== null) doc.author = author;
    if (updated !== null) doc.updated = updated;
    if (recalls !== null) doc.recalls = recalls;
    if (problem !== null) doc.problem = problem;
    const first = columns.base[3 * i];
    const count = columns.base[3 * i + 1];
    const length = columns.base[3 * i + 2];
    if (first !== -1 || count !== -1 || length !== -1) {
      if (!isCount(first) || !isCount(count) || !isCount(length)) return undefined;
      doc.base = [first, count, length];
    }
    docs[file as string] = doc;
  }
  return docs;
}
