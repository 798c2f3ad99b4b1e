import { basename, join } from 'node:path';
import { OrcError, invalidInput, notFound, quote } from '../shared/index.js';
import { composeKnowledge, readMeta, splitFrontMatter } from '../shared/index.js';
import { chunkPlaces } from './knowledge-analysis.js';
import { contentHash } from './knowledge-files.js';
import type { ChunkRef } from './knowledge-records.js';
import {
  IndexDamage,
  type IndexState,
  type ScoredChunk,
  invalidateFreshness,
  refreshIndex,
  searchIndex,
  withIndexRepair,
} from './knowledge-index.js';
import { type DocColumns, indexedDoc, storedColumns } from './knowledge-index-docs.js';
import { checkKnowledgeName, displayName, knowledgePath } from './knowledge-names.js';
import { type KnowledgeSettings, SEARCH_MODES, type SearchMode } from '../config/index.js';
import { loadKnowledgeSettings } from '../config/index.js';
import { type ActorOptions, entryKind, mutate, readText } from '../storage/index.js';
import { hasControlChars } from '../shared/index.js';
import { terms } from '../shared/index.js';
import type { Workspace } from '../storage/index.js';

const MAX_DOCUMENT_BYTES = 1_000_000;
const DEFAULT_FRESHNESS_MS = 1_000;

/** A knowledge document as listed: its front matter fields and size. */
export interface KnowledgeEntry {
  name: string;
  title: string;
  tags: string[];
  author?: string;
  updated?: string;
  size: number;
  /** Why its front matter could not be read, if it could not. */
  problem?: string;
}

export interface WriteKnowledgeOptions extends ActorOptions {
  title?: string;
  tags?: string[];
}

/**
 * Writes a document under knowledge/ with its front matter maintained (title, tags, author, updated),
 * under the workspace lock, atomically, with a `kb.written` event. A body without front matter keeps
 * the front matter already on disk.
 */
export async function writeKnowledge(
  ws: Workspace,
  name: string,
  content: string,
  options: WriteKnowledgeOptions = {},
) {
  const file = checkKnowledgeName(name);
  if (typeof content !== 'string' || content.trim() === '') throw invalidInput('the content is empty');
  if (Buffer.byteLength(content) > MAX_DOCUMENT_BYTES)
    throw invalidInput(`the content is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  if (hasControlChars(content, true))
    throw invalidInput('the content holds control characters (binary data?)');
  const tags = options.tags?.map((t) => t.trim()).filter(Boolean);
  if (tags?.some((t) => hasControlChars(t) || t.length > 60))
    throw invalidInput('a tag must be 1 to 60 printable characters');
  if (options.title !== undefined && (options.title.trim() === '' || hasControlChars(options.title)))
    throw invalidInput('the title must be printable text');
  return mutate(ws, options, (m) => {
    const path = knowledgePath(ws, file);
    const existing = readIfFile(ws, path, file);
    const text = composeKnowledge({
      existing,
      label: `knowledge/${file}`,
      content,
      title: options.title,
      tags,
      author: m.actor,
      updated: m.nowIso,
      fallbackTitle: basename(displayName(file)),
    });
    m.writeText(path, text);
    const hash = contentHash(text);
    const created = existing === undefined;
    m.emit('kb.written', displayName(file), { bytes: Buffer.byteLength(text), hash, created });
    invalidateFreshness(ws);
    return {
      name: displayName(file),
      file: `knowledge/${file}`,
      bytes: Buffer.byteLength(text),
      hash,
      created,
    };
  });
}

function readIfFile(ws: Workspace, path: string, file: string): string | undefined {
  if (entryKind(ws, path) === 'folder') throw invalidInput(`knowledge/${file} is a folder`);
  return readText(ws, path);
}

/** One document: its fields, its front matter as written, its body and the whole text. */
export function readKnowledge(ws: Workspace, name: string) {
  const file = checkKnowledgeName(name);
  const content = readIfFile(ws, knowledgePath(ws, file), file);
  if (content === undefined) throw notFound(`no knowledge document ${quote(displayName(file))}`);
  const split = splitFrontMatter(content);
  const { meta, problem } = readMeta(split.frontMatter);
  return {
    name: displayName(file),
    file: `knowledge/${file}`,
    title: meta.title ?? basename(displayName(file)),
    tags: meta.tags,
    ...(meta.author ? { author: meta.author } : {}),
    ...(meta.updated ? { updated: meta.updated } : {}),
    ...(problem ? { problem } : {}),
    body: split.body,
    content,
  };
}

/** Removes a document (git keeps its history), with a `kb.removed` event. */
export async function removeKnowledge(ws: Workspace, name: string, options: ActorOptions = {}) {
  const file = checkKnowledgeName(name);
  return mutate(ws, options, (m) => {
    const path = knowledgePath(ws, file);
    if (readIfFile(ws, path, file) === undefined)
      throw notFound(`no knowledge document ${quote(displayName(file))}`);
    m.remove(path);
    m.emit('kb.removed', displayName(file), {});
    invalidateFreshness(ws);
    return { name: displayName(file), file: `knowledge/${file}` };
  });
}

export interface KnowledgeProgress {
  onProgress?: (done: number, total: number, phase: 'index' | 'embed') => void;
  onWarning?: (message: string) => void;
}

/**
 * Every document (not archive/), sorted by name, from the index, refreshed first by its folders: a
 * document added, removed, renamed or written atomically (orc, git, most editors) is listed as it is
 * now without a stat of every document; one rewritten in place shows its new fields once its folder
 * changes or a search or `kb reindex` has seen it (see knowledge-scan.ts).
 */
export async function listKnowledge(
  ws: Workspace,
  options: KnowledgeProgress = {},
): Promise<KnowledgeEntry[]> {
  const { state } = await refreshIndex(ws, { check: 'folders', onProgress: progressOf(options, 'index') });
  const columns = storedColumns(state);
  if (columns) return listFromColumns(columns);
  // 10,000 entries a list: built field by field (object spreads cost several times more).
  const files = Object.keys(state.docs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return files.map((file) => {
    const doc = state.docs[file]!;
    // Keys in the order the JSON has always printed them.
    const entry = { name: displayName(file), title: doc.title, tags: doc.tags } as KnowledgeEntry;
    if (doc.author) entry.author = doc.author;
    if (doc.updated) entry.updated = doc.updated;
    entry.size = doc.size;
    if (doc.problem) entry.problem = doc.problem;
    return entry;
  });
}

/** The list straight from the columns index.json stores (no object per document built first). */
function listFromColumns(columns: DocColumns): KnowledgeEntry[] {
  const { file, title, tags, author, updated, size, problem } = columns;
  let order = file.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < file.length && sorted; i++) if (file[i - 1]! > file[i]!) sorted = false;
  if (!sorted) order = order.sort((a, b) => (file[a]! < file[b]! ? -1 : file[a]! > file[b]! ? 1 : 0));
  return order.map((i) => {
    // Keys in the order the JSON has always printed them.
    const entry = { name: displayName(file[i]!), title: title[i]!, tags: tags[i]! } as KnowledgeEntry;
    if (author[i]) entry.author = author[i]!;
    if (updated[i]) entry.updated = updated[i]!;
    entry.size = size[i]!;
    if (problem[i]) entry.problem = problem[i]!;
    return entry;
  });
}

export interface ReindexOptions extends KnowledgeProgress {
  /** Throw the index away and build it again. */
  full?: boolean;
}

/**
 * Checks every document's content hash and re-indexes what changed (everything with `full`); reads
 * every file of the index, and rebuilds it when one is damaged (`repaired` says what was wrong); with
 * embeddings configured, embeds the chunks that changed. A failing provider is a warning.
 */
export async function reindexKnowledge(ws: Workspace, options: ReindexOptions = {}) {
  const started = performance.now();
  const refreshed = await refreshIndex(ws, {
    verify: true,
    full: options.full,
    onProgress: progressOf(options, 'index'),
  });
  const settings = await settingsOrWarn(ws, options.onWarning);
  let vectors: { embedded: number; reused: number; removed: number } | undefined;
  if (settings.embeddings) vectors = await syncOrWarn(ws, refreshed.state, settings, options);
  const { state } = refreshed;
  return {
    documents: Object.keys(state.docs).length,
    chunks: state.baseChunks - state.deleted.reduce((n, [, c]) => n + c, 0) + state.overlay.length,
    changed: refreshed.changed.map(displayName),
    removed: refreshed.removed.map(displayName),
    rebuilt: refreshed.rebuilt,
    ...(refreshed.repaired ? { repaired: refreshed.repaired } : {}),
    ...(vectors ? { embeddings: vectors } : {}),
    ms: Math.round(performance.now() - started),
  };
}

/** One search result: a document, its best section, a snippet and a score. */
export interface KnowledgeHit {
  name: string;
  title: string;
  heading: string;
  snippet: string;
  score: number;
  /** Lines of the section in the file. */
  lines: [number, number];
}

export interface SearchOptions extends KnowledgeProgress {
  /** How many documents (default 5). */
  k?: number;
  /** Overrides `knowledge.search`; semantic and hybrid need embeddings. */
  mode?: SearchMode;
  /** Leave these documents out (names as shown). */
  exclude?: (name: string) => boolean;
  /** In a long-lived process, how stale the check of knowledge/ may be (default 1 s; 0 always checks). */
  freshnessMs?: number;
}

export interface SearchResult {
  /** The mode the answer came from: lexical when the provider failed. */
  mode: SearchMode;
  hits: KnowledgeHit[];
  warnings: string[];
}

/**
 * The documents most relevant to `query`, one hit per document (its best section). Lexical BM25
 * offline; semantic or hybrid (reciprocal rank fusion of both lists) with embeddings configured. A
 * provider that fails is a warning and the answer is lexical.
 */
export async function searchKnowledge(ws: Workspace, query: string, options: SearchOptions = {}) {
  return withPlacesRepaired((lazy) => searchOnce(ws, query, options, lazy));
}

/**
 * Runs a search whose hits are placed lazily (see searchIndex); when a hit's placing finds the index
 * damaged, runs it again placing every hit first, where a damaged index is rebuilt (withIndexRepair).
 */
async function withPlacesRepaired<T>(search: (lazy: boolean) => Promise<T>): Promise<T> {
  try {
    return await search(true);
  } catch (error) {
    if (!(error instanceof IndexDamage)) throw error;
    return search(false);
  }
}

async function searchOnce(ws: Workspace, query: string, options: SearchOptions, lazy: boolean) {
  const { scored, state, mode, warnings } = await rankChunks(ws, query, options, lazy);
  const k = options.k ?? 5;
  const hits: KnowledgeHit[] = [];
  const seen = new Set<string>();
  const queryTerms = new Set(terms(query));
  for (const { chunk, score } of scored) {
    if (seen.has(chunk.doc) || options.exclude?.(displayName(chunk.doc))) continue;
    const section = currentSection(ws, chunk);
    if (!section) continue;
    seen.add(chunk.doc);
    const lines = section.lines;
    hits.push({
      name: displayName(chunk.doc),
      title: indexedDoc(state, chunk.doc)?.title ?? displayName(chunk.doc),
      heading: chunk.heading,
      snippet: snippetOf(lines, queryTerms),
      score: Math.round(score * 1000) / 1000,
      lines: [section.from, section.to],
    });
    if (hits.length >= k) break;
  }
  return { mode, hits, warnings } satisfies SearchResult;
}

/** A section of a document with its text, for briefs. */
export interface KnowledgePassage {
  name: string;
  heading: string;
  text: string;
  score: number;
}

/** The best sections for `query` (several may come from one document), their text in full. */
export async function knowledgePassages(
  ws: Workspace,
  query: string,
  options: SearchOptions = {},
): Promise<{ passages: KnowledgePassage[]; warnings: string[] }> {
  return withPlacesRepaired((lazy) => passagesOnce(ws, query, options, lazy));
}

async function passagesOnce(ws: Workspace, query: string, options: SearchOptions, lazy: boolean) {
  const { scored, warnings } = await rankChunks(ws, query, options, lazy);
  const passages: KnowledgePassage[] = [];
  for (const { chunk, score } of scored) {
    if (options.exclude?.(displayName(chunk.doc))) continue;
    const section = currentSection(ws, chunk);
    if (!section) continue;
    const text = section.lines.join('\n').trim();
    passages.push({
      name: displayName(chunk.doc),
      heading: chunk.heading,
      text,
      score: Math.round(score * 1000) / 1000,
    });
    if (passages.length >= (options.k ?? 5)) break;
  }
  return { passages, warnings };
}

async function rankChunks(ws: Workspace, query: string, options: SearchOptions, lazy: boolean) {
  if (typeof query !== 'string' || query.trim() === '') throw invalidInput('the query is empty');
  const k = Math.max(1, options.k ?? 5);
  if (!Number.isInteger(k) || k > 1000) throw invalidInput('-k must be a whole number from 1 to 1000');
  if (options.mode !== undefined && !SEARCH_MODES.includes(options.mode))
    throw invalidInput(`search mode ${quote(options.mode)} is not one of ${SEARCH_MODES.join(', ')}`);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const settings = await settingsOrWarn(ws, warn);
  let mode: SearchMode = options.mode ?? settings.search;
  if (mode !== 'lexical' && !settings.embeddings) {
    throw invalidInput(`${mode} search needs knowledge.embeddings in orchestrator.yaml`);
  }
  // Documents come and go by git pull and by hand: check before every query (stat, then hash); a
  // long-lived process re-checks at most once per `freshnessMs`.
  let { state } = await refreshIndex(ws, {
    onProgress: progressOf(options, 'index'),
    maxAgeMs: options.freshnessMs ?? DEFAULT_FRESHNESS_MS,
  });
  const depth = Math.max(50, k * 10);
  // A damaged index file (or one a concurrent rebuild removed) is rebuilt and the query asked again.
  let lexical: ScoredChunk[];
  ({ state, value: lexical } = await withIndexRepair(ws, state, (s) =>
    mode === 'semantic' ? [] : searchIndex(ws, s, query, depth, { lazy: lazy && mode === 'lexical' }),
  ));
  let scored = lexical;
  if (mode !== 'lexical' && settings.embeddings) {
    const embeddings = settings.embeddings;
    try {
      const { syncVectors, searchVectors } = await import('./knowledge-vectors.js');
      ({ state } = await withIndexRepair(ws, state, (s) =>
        syncVectors(ws, s, embeddings, progressOf(options, 'embed')),
      ));
      const semantic = await searchVectors(ws, embeddings, query, depth);
      scored = mode === 'semantic' ? semantic : fuse(lexical, semantic);
    } catch (error) {
      if (!(error instanceof OrcError)) throw error;
      warn(`${error.message}; searching the knowledge base offline (lexical)`);
      mode = 'lexical';
      if (lexical.length === 0 && options.mode === 'semantic')
        ({ state, value: scored } = await withIndexRepair(ws, state, (s) =>
          searchIndex(ws, s, query, depth),
        ));
      else scored = lexical;
    }
  }
  return { scored, state, mode, warnings };
}

/** Reciprocal rank fusion: each list adds 1/(60 + rank), so agreement between them ranks first. */
function fuse(...lists: ScoredChunk[][]): ScoredChunk[] {
  const fused = new Map<string, ScoredChunk>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const id = `${hit.chunk.doc}#${hit.chunk.from}`;
      const entry = fused.get(id) ?? { chunk: hit.chunk, score: 0 };
      entry.score += 1 / (60 + rank + 1);
      fused.set(id, entry);
    });
  }
  return [...fused.values()].sort(
    (a, b) => b.score - a.score || (a.chunk.doc < b.chunk.doc ? -1 : 1) || a.chunk.from - b.chunk.from,
  );
}

async function settingsOrWarn(ws: Workspace, warn?: (message: string) => void): Promise<KnowledgeSettings> {
  try {
    return await loadKnowledgeSettings(ws);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    warn?.(`${error.message}; searching the knowledge base offline (lexical)`);
    return { search: 'lexical', briefBudget: 8_000 };
  }
}

async function syncOrWarn(
  ws: Workspace,
  state: IndexState,
  settings: KnowledgeSettings,
  options: KnowledgeProgress,
) {
  try {
    const { syncVectors } = await import('./knowledge-vectors.js');
    return await syncVectors(ws, state, settings.embeddings!, progressOf(options, 'embed'));
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    options.onWarning?.(`${error.message}; the lexical index is up to date, embeddings will be retried`);
    return undefined;
  }
}

function progressOf(options: KnowledgeProgress, phase: 'index' | 'embed') {
  const report = options.onProgress;
  return report ? (done: number, total: number) => report(done, total, phase) : undefined;
}

/**
 * The lines of an indexed section as the document reads now, with its range: the chunk with the same
 * content, else the one with the same heading nearest its indexed place, else none (the section is
 * gone). The index may lag a change (a `recalls:` line added to the front matter moves every line), so
 * its line numbers alone would cut a section one line off: a passage is always a whole section.
 */
function currentSection(
  ws: Workspace,
  chunk: Pick<ChunkRef, 'doc' | 'heading' | 'from' | 'to' | 'hash'>,
): { lines: string[]; from: number; to: number } | undefined {
  const text = readText(ws, join(ws.knowledgeDir, chunk.doc)); // undefined: removed since it was indexed
  if (text === undefined) return undefined;
  const chunks = chunkPlaces(chunk.doc, text);
  const found =
    chunks.find((c) => c.hash === chunk.hash) ??
    chunks
      .filter((c) => c.heading === chunk.heading)
      .sort((a, b) => Math.abs(a.from - chunk.from) - Math.abs(b.from - chunk.from))[0];
  if (!found) return undefined;
  return { lines: text.split('\n').slice(found.from - 1, found.to), from: found.from, to: found.to };
}

/** The line with the most query terms and the next one, flattened and cut to 240 characters. */
function snippetOf(lines: string[], queryTerms: Set<string>): string {
  const body = lines.filter((line, i) => !(i === 0 && /^#{1,6}\s/.test(line)) && line.trim() !== '');
  if (body.length === 0) return '';
  let best = 0;
  let bestCount = -1;
  body.forEach((line, i) => {
    const count = terms(line).filter((t) => queryTerms.has(t)).length;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  });
  const text = body
    .slice(best, best + 2)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}
