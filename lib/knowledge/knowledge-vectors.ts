import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  confine,
  ensureFolder,
  entryKind,
  readText,
  removeFile,
  removeTree,
  writeText,
} from '../storage/index.js';
import { type ChunkRef, type IndexState, type ScoredChunk, liveChunks } from './knowledge-index.js';
import type { KnowledgeSettings } from '../config/index.js';
import { embedTexts } from '../llm/index.js';
import { withLocalLock } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';

/*
 * Chunk embeddings from the configured provider, stored in a vectra LocalIndex beside the lexical
 * index. An item's id is its place (`doc#line`); its metadata keeps the chunk's content hash and the
 * model, so only chunks whose text changed are sent again, and a chunk that merely moved reuses its
 * vector.
 */

type Embeddings = NonNullable<KnowledgeSettings['embeddings']>;
type VectorMeta = { doc: string; heading: string; from: number; to: number; hash: string; model: string };
type LocalIndex = import('vectra').LocalIndex<VectorMeta>;

const vectorsDir = (ws: Workspace) => join(ws.knowledgeIndexDir, 'vectors');
const syncedFile = (ws: Workspace) => join(ws.knowledgeIndexDir, 'vectors-synced.json');
// Embedding models take a few thousand tokens at most; a chunk is cut well below that.
const MAX_EMBED_CHARS = 6_000;

async function openVectors(ws: Workspace): Promise<LocalIndex> {
  // The package entry loads an HTML parser, a tokenizer and more (~640 ms); LocalIndex alone ~130 ms.
  const { LocalIndex } = createRequire(import.meta.url)(
    'vectra/lib/LocalIndex.js',
  ) as typeof import('vectra');
  // vectra reads and writes its folder with its own fs calls, the one place below the workspace that
  // orc's storage layer does not reach: the folder and its index file are confined here (no link), and
  // .orc/ is git-ignored, so no merge can bring a link into it.
  const dir = vectorsDir(ws);
  ensureFolder(ws, ws.knowledgeIndexDir);
  confine(ws, join(dir, 'index.json'));
  let index = new LocalIndex<VectorMeta>(dir);
  if (await index.isIndexCreated()) {
    try {
      await index.listItems();
      return index;
    } catch (error) {
      // A damaged index.json (torn, edited): a derived cache, so its vectors are embedded again.
      if (!(error instanceof SyntaxError || error instanceof TypeError)) throw error;
    }
    removeTree(ws, dir);
    removeFile(ws, syncedFile(ws)); // the next sync embeds every chunk again
    index = new LocalIndex<VectorMeta>(dir);
  }
  await index.createIndex({ version: 1 });
  return index;
}

export interface VectorSync {
  embedded: number;
  reused: number;
  removed: number;
}

/** Brings the vectors in line with the lexical index: embeds new and changed chunks, in batches. */
export async function syncVectors(
  ws: Workspace,
  state: IndexState,
  embeddings: Embeddings,
  onProgress?: (done: number, total: number) => void,
): Promise<VectorSync> {
  const stamp = { generation: state.generation, model: embeddings.model, base: state.base };
  if (isSynced(ws, stamp)) return { embedded: 0, reused: 0, removed: 0 };
  return withLocalLock(ws, 'vectors', async () => {
    if (isSynced(ws, stamp)) return { embedded: 0, reused: 0, removed: 0 };
    const index = await openVectors(ws);
    const items = await index.listItems();
    const byId = new Map(items.map((item) => [item.id, item]));
    const byHash = new Map<string, number[]>();
    for (const item of items)
      if (item.metadata.model === embeddings.model) byHash.set(item.metadata.hash, item.vector);
    const wanted = liveChunks(ws, state);
    const wantedIds = new Set(wanted.map(idOf));
    const stale = wanted.filter((c) => {
      const item = byId.get(idOf(c));
      return !item || item.metadata.hash !== c.hash || item.metadata.model !== embeddings.model;
    });
    const toEmbed = stale.filter((c) => !byHash.has(c.hash));
    const vectors = new Map<string, number[]>();
    let failure: unknown;
    try {
      const texts = chunkTexts(ws, toEmbed);
      for (let i = 0; i < toEmbed.length; i += embeddings.batchSize) {
        const batch = toEmbed.slice(i, i + embeddings.batchSize);
        const result = await embedTexts(
          embeddings.provider,
          embeddings.model,
          batch.map((c) => texts.get(idOf(c)) ?? c.heading),
        );
        for (const [j, c] of batch.entries()) vectors.set(c.hash, result[j]!);
        onProgress?.(Math.min(i + batch.length, toEmbed.length), toEmbed.length);
      }
    } catch (error) {
      failure = error; // keep what was embedded before the provider failed
    }
    const gone = items.filter((item) => !wantedIds.has(item.id));
    await index.beginUpdate();
    for (const item of gone) await index.deleteItem(item.id);
    let written = 0;
    for (const chunk of stale) {
      const vector = vectors.get(chunk.hash) ?? byHash.get(chunk.hash);
      if (!vector) continue;
      const { doc, heading, from, to, hash } = chunk;
      await index.upsertItem({
        id: idOf(chunk),
        vector,
        metadata: { doc, heading, from, to, hash, model: embeddings.model },
      });
      written++;
    }
    await index.endUpdate();
    if (failure) throw failure;
    writeText(ws, syncedFile(ws), JSON.stringify(stamp));
    return { embedded: vectors.size, reused: written - vectors.size, removed: gone.length };
  });
}

/** The chunks nearest to the query by cosine similarity. */
export async function searchVectors(
  ws: Workspace,
  embeddings: Embeddings,
  query: string,
  limit: number,
): Promise<ScoredChunk[]> {
  const [vector] = await embedTexts(embeddings.provider, embeddings.model, [query]);
  const index = await openVectors(ws);
  const results = await index.queryItems(vector!, '', limit);
  return results
    .filter((r) => r.item.metadata.model === embeddings.model)
    .map((r) => {
      const { doc, heading, from, to, hash } = r.item.metadata;
      return { chunk: { doc, heading, from, to, len: 0, hash }, score: r.score };
    });
}

const idOf = (chunk: ChunkRef) => `${chunk.doc}#${chunk.from}`;

function isSynced(ws: Workspace, stamp: Record<string, unknown>): boolean {
  if (entryKind(ws, join(vectorsDir(ws), 'index.json')) !== 'file') return false;
  return readText(ws, syncedFile(ws)) === JSON.stringify(stamp);
}

/** The text of each chunk (heading and lines), reading each document once. */
function chunkTexts(ws: Workspace, chunks: ChunkRef[]): Map<string, string> {
  const texts = new Map<string, string>();
  const lines = new Map<string, string[]>();
  for (const chunk of chunks) {
    let docLines = lines.get(chunk.doc);
    if (!docLines) {
      docLines = (readText(ws, join(ws.knowledgeDir, chunk.doc)) ?? '').split('\n'); // gone: heading only
      lines.set(chunk.doc, docLines);
    }
    const text = docLines.slice(chunk.from - 1, chunk.to).join('\n');
    texts.set(idOf(chunk), `${chunk.heading}\n${text}`.slice(0, MAX_EMBED_CHARS));
  }
  return texts;
}
