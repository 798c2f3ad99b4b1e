import { createRequire } from 'node:module';

// The Snowball (Porter2) stemmer for English: "connections" and "connecting" both become "connect".
// Loaded on first use; terms() remembers each word's stem.
let stemmer: ((word: string) => string) | undefined;

function stem(word: string): string {
  stemmer ??= createRequire(import.meta.url)('wink-porter2-stemmer') as (word: string) => string;
  return stemmer(word);
}

const STOP_WORDS = new Set(
  `a about above after again against all am an and any are aren't as at be because been before being below
  between both but by can cannot could did do does doing don't down during each few for from further had has
  have having he her here hers herself him himself his how i if in into is isn't it it's its itself let me
  more most my myself no nor not of off on once only or other ought our ours ourselves out over own same
  she should so some such than that the their theirs them themselves then there these they this those
  through to too under until up very was we were what when where which while who whom why will with would
  you your yours yourself yourselves also just get gets got via per us may might must shall should'
  s t ve ll re d m o`
    .split(/\s+/)
    .filter(Boolean),
);

/** The index terms of a text: lowercase words and numbers, stop words dropped, stemmed. */
export function terms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  const out: string[] = [];
  for (const raw of words) {
    let term = termOf.get(raw);
    if (term === undefined) {
      term = analyseWord(raw);
      if (termOf.size < 200_000) termOf.set(raw, term);
    }
    if (term !== '') out.push(term);
  }
  return out;
}

// Each word's term ('' for a word dropped), remembered: a text repeats its words, and an index
// build analyses millions of them.
const termOf = new Map<string, string>();

function analyseWord(raw: string): string {
  const word = raw.includes("'") ? raw.replace(/'[\p{L}]+$/u, '') : raw;
  if (word.length < 2 && !/\d/.test(word)) return '';
  if (STOP_WORDS.has(word) || word.length > 40) return '';
  return stem(word);
}

/** One section of a document: from a heading to the next heading of any level. */
export interface Chunk {
  /** The heading path, e.g. `Dealing with flaky tests › Quarantine`; the title for text before any heading. */
  heading: string;
  /** First and last line of the section in the file, 1-based, inclusive. */
  from: number;
  to: number;
  text: string;
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/;
const FENCE = /^\s*(```|~~~)/;
// Sections longer than this are cut at paragraph breaks, so one long page does not drown its own hits.
const MAX_CHUNK_CHARS = 2_000;

/**
 * Cuts a markdown body into sections at its headings (not inside fenced code). `firstLine` is the
 * file line the body starts on (after the front matter).
 */
export function chunkMarkdown(body: string, title: string, firstLine = 1): Chunk[] {
  const lines = body.split('\n');
  const chunks: Chunk[] = [];
  const path: string[] = [];
  let current: { heading: string; from: number; lines: string[] } = {
    heading: title,
    from: firstLine,
    lines: [],
  };
  let inFence = false;
  const flush = () => {
    const text = current.lines.join('\n').trim();
    if (text) chunks.push(...splitLong(current.heading, current.from, current.lines));
  };
  lines.forEach((line, i) => {
    if (FENCE.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading) {
      flush();
      const level = heading[1].length;
      path.length = Math.min(path.length, level - 1);
      path[level - 1] = heading[2];
      const trail = path.filter(Boolean);
      current = { heading: trail.join(' › '), from: firstLine + i, lines: [line] };
    } else {
      current.lines.push(line);
    }
  });
  flush();
  return chunks;
}

function splitLong(heading: string, from: number, lines: string[]): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < lines.length; i++) {
    size += lines[i].length + 1;
    const atBreak = lines[i].trim() === '' || i === lines.length - 1;
    if ((size >= MAX_CHUNK_CHARS && atBreak) || i === lines.length - 1) {
      const text = lines
        .slice(start, i + 1)
        .join('\n')
        .trim();
      if (text) out.push({ heading, from: from + start, to: from + i, text });
      start = i + 1;
      size = 0;
    }
  }
  return out;
}
