import { contentHash } from './knowledge-files.js';
import { displayName } from './knowledge-names.js';
import { readMeta, splitFrontMatter } from '../shared/index.js';
import type { ChunkRef, IndexedDocument } from './knowledge-records.js';
import { chunkMarkdown, terms } from '../shared/index.js';

/** A document cut into chunks, each with its term counts. */
export interface AnalysedDocument {
  entry: Omit<IndexedDocument, 'mtimeMs' | 'size'>;
  chunks: (ChunkRef & { tf: Record<string, number> })[];
}

/**
 * Chunks a document by headings and counts each chunk's terms. A chunk's own heading counts twice
 * (its line is part of the text, and once more); the document's title, tags and name count once in
 * every chunk, so a question naming the subject finds every section of the page about it.
 */
export function analyseDocument(file: string, text: string): AnalysedDocument {
  const split = splitFrontMatter(text);
  const { meta, problem } = readMeta(split.frontMatter);
  const bodyStart = text.slice(0, text.length - split.body.length).split('\n').length;
  const name = displayName(file);
  const title = meta.title ?? /^#[ \t]+(.+?)[ \t#]*$/m.exec(split.body)?.[1] ?? name.split('/').pop()!;
  const docTerms = terms(`${title} ${meta.tags.join(' ')} ${name.replace(/[/_.-]+/g, ' ')}`);
  const chunks = chunkMarkdown(split.body, title, bodyStart).map((chunk) => {
    const tf: Record<string, number> = Object.create(null);
    let len = 0;
    const count = (term: string) => {
      tf[term] = (tf[term] ?? 0) + 1;
      len++;
    };
    terms(chunk.text).forEach(count);
    terms(chunk.heading.split(' › ').pop() ?? '').forEach(count);
    docTerms.forEach(count);
    return {
      doc: file,
      heading: chunk.heading,
      from: chunk.from,
      to: chunk.to,
      len,
      hash: contentHash(`${chunk.heading}\n${chunk.text}`),
      tf: { ...tf },
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
