import { contentHash } from './knowledge-files.js';
import { displayName } from './knowledge-names.js';
import { readMeta, splitFrontMatter } from '../shared/index.js';
import type { ChunkRef, IndexedDocument } from './knowledge-records.js';
import { chunkMarkdown, terms } from '../shared/index.js';

/** A document cut into chunks, each with its term counts. */
export interface AnalysedDocument {
  entry: Omit<IndexedDocument, 'mtimeMs' | 'size'>;
  /**
   * Each chunk's terms as lists (its text, its own heading, the document's title, tags and name),
   * uncounted: a full build counts them straight into its postings, the overlay with termCounts.
   */
  chunks: (ChunkRef & { terms: string[][] })[];
}

/** How often each term occurs in a chunk's term lists. */
export function termCounts(lists: readonly string[][]): Record<string, number> {
  const tf = new Map<string, number>();
  for (const list of lists) for (const term of list) tf.set(term, (tf.get(term) ?? 0) + 1);
  // fromEntries defines each key as its own property: a term "__proto__" stays a term.
  return Object.fromEntries(tf);
}

/** A document's front matter, title and sections, as its analysis cuts them. */
function sectionsOf(file: string, text: string) {
  const split = splitFrontMatter(text);
  const { meta, problem } = readMeta(split.frontMatter);
  const bodyStart = text.slice(0, text.length - split.body.length).split('\n').length;
  const name = displayName(file);
  const title = meta.title ?? /^#[ \t]+(.+?)[ \t#]*$/m.exec(split.body)?.[1] ?? name.split('/').pop()!;
  return { meta, problem, name, title, sections: chunkMarkdown(split.body, title, bodyStart) };
}

/**
 * A document's chunks as its analysis cuts them, without their terms (`len` is 0): where a search
 * hit lies in the document now, for the few documents a query returns.
 */
export function chunkPlaces(file: string, text: string): ChunkRef[] {
  return sectionsOf(file, text).sections.map((chunk) => ({
    doc: file,
    heading: chunk.heading,
    from: chunk.from,
    to: chunk.to,
    len: 0,
    hash: contentHash(`${chunk.heading}\n${chunk.text}`),
  }));
}

/**
 * Chunks a document by headings and counts each chunk's terms. A chunk's own heading counts twice
 * (its line is part of the text, and once more); the document's title, tags and name count once in
 * every chunk, so a question naming the subject finds every section of the page about it.
 */
export function analyseDocument(file: string, text: string): AnalysedDocument {
  const { meta, problem, name, title, sections } = sectionsOf(file, text);
  const docTerms = terms(`${title} ${meta.tags.join(' ')} ${name.replace(/[/_.-]+/g, ' ')}`);
  const chunks = sections.map((chunk) => {
    const lists = [terms(chunk.text), terms(chunk.heading.split(' › ').pop() ?? ''), docTerms];
    return {
      doc: file,
      heading: chunk.heading,
      from: chunk.from,
      to: chunk.to,
      len: lists[0]!.length + lists[1]!.length + lists[2]!.length,
      hash: contentHash(`${chunk.heading}\n${chunk.text}`),
      terms: lists,
    };
  });
  return {
    entry: {
      hash: contentHash(text),
      title,
      tags: meta.tags,
      ...(meta.author ? { author: meta.author } : {}),
      ...(meta.updated ? { updated: meta.updated } : {}),
      ...(meta.recalls ? { recalls: meta.recalls } : {}),
      ...(problem ? { problem } : {}),
      chunks: chunks.length,
    },
    chunks,
  };
}
