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
const isText = (v: unknown): v is string => typeof v === 'string';
const isDocFile = (v: unknown) => typeof v === 'string' && /\.md$/i.test(v); // never __proto__
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Whether `value` is an array of `length` items that all pass `test`. */
function isColumn(value: unknown, length: number, test: (v: unknown) => boolean): value is unknown[] {
  if (!Array.isArray(value) || value.length !== length) return false;
  for (const v of value) if (!test(v)) return false;
  return true;
}

/** The documents of a stored index, or undefined when its columns are not what format 3 writes. */
export function decodeDocs(stored: unknown): Record<string, IndexedDocument> | undefined {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const c = stored as Record<string, unknown>;
  if (!Array.isArray(c.file)) return undefined;
  const n = c.file.length;
  const ok =
    isColumn(c.file, n, isDocFile) &&
    isColumn(c.hash, n, isText) &&
    isColumn(c.mtimeMs, n, (v) => typeof v === 'number') &&
    isColumn(c.size, n, isCount) &&
    isColumn(c.title, n, isText) &&
    isColumn(c.tags, n, (v) => Array.isArray(v) && v.every(isText)) &&
    isColumn(c.author, n, isTextOrNull) &&
    isColumn(c.updated, n, isTextOrNull) &&
    isColumn(c.recalls, n, (v) => v === null || isCount(v)) &&
    isColumn(c.problem, n, isTextOrNull) &&
    isColumn(c.chunks, n, isCount) &&
    isColumn(c.base, 3 * n, (v) => v === -1 || isCount(v));
  if (!ok) return undefined;
  const columns = c as unknown as DocColumns;
  const docs: Record<string, IndexedDocument> = {};
  for (let i = 0; i < n; i++) {
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
    if (first !== -1) {
      const count = columns.base[3 * i + 1]!;
      const length = columns.base[3 * i + 2]!;
      if (count === -1 || length === -1) return undefined;
      doc.base = [first, count, length];
    }
    docs[columns.file[i]!] = doc;
  }
  return docs;
}
