// What the knowledge index stores of a document and its chunks: shared by the analysis that
// produces them and the index that keeps them.

/** A chunk as the index knows it: where it is, and its hash (the key of its embedding). */
export interface ChunkRef {
  doc: string;
  heading: string;
  from: number;
  to: number;
  len: number;
  hash: string;
}

/** What the index records of one document; `base` is `[first chunk, count, total length]`. */
export interface IndexedDocument {
  hash: string;
  mtimeMs: number;
  size: number;
  title: string;
  tags: string[];
  author?: string;
  updated?: string;
  recalls?: number;
  problem?: string;
  chunks: number;
  base?: [number, number, number];
}
