import { join, resolve } from 'node:path';
import { OrcError, invalidInput, notFound, quote } from '../shared/index.js';
import { type Rooted, fileStamp, listFolder, readText } from '../storage/index.js';

/*
 * Reads an OpSpawn orchestrator's data folder: `state.json` (workstreams with their tasks, agents and
 * locks in one file), `events.jsonl` and `knowledge/*.md`. The folder is read through the storage
 * layer confined to it as its root, so a symbolic link is refused, never followed; each file is read
 * within a size bound. Nothing here is trusted: import checks every field.
 */

/** What an OpSpawn folder holds, as read: the state as parsed JSON, the raw event lines, the documents. */
export interface OpSpawnSource {
  dir: string;
  state: unknown;
  eventLines: string[];
  knowledge: { name: string; text: string }[];
  /** Entries that could not be read at all (a link, a file too large), with why. */
  unreadable: { path: string; reason: string }[];
}

const MAX_STATE_BYTES = 50_000_000;
const MAX_EVENTS_BYTES = 200_000_000;
const MAX_DOCUMENT_BYTES = 1_000_000;

/** A file's text, undefined when absent, or why it cannot be read (a link, too large, a folder). */
function readBounded(src: Rooted, path: string, max: number): string | undefined | { reason: string } {
  try {
    const stamp = fileStamp(src, path);
    if (stamp === undefined) return undefined;
    if (stamp.size > max) return { reason: `is ${stamp.size} bytes: the limit is ${max}` };
    return readText(src, path);
  } catch (error) {
    // The storage layer's refusals (a link, a folder where a file should be) become the reason.
    if (error instanceof OrcError) return { reason: error.message };
    throw error;
  }
}

/** Reads the folder; NOT_FOUND when it has no state.json, INVALID_INPUT when that is not JSON. */
export function readOpSpawnFolder(path: string): OpSpawnSource {
  const dir = resolve(path);
  const src: Rooted = { root: dir };
  const stateText = readBounded(src, 'state.json', MAX_STATE_BYTES);
  if (stateText === undefined)
    throw notFound(
      `${quote(dir)} holds no state.json: give the OpSpawn data folder (state.json, events.jsonl, knowledge/)`,
      { field: 'path' },
    );
  if (typeof stateText !== 'string')
    throw invalidInput(`${join(dir, 'state.json')} cannot be read: ${stateText.reason}`, { field: 'path' });
  let state: unknown;
  try {
    state = JSON.parse(stateText);
  } catch (error) {
    throw invalidInput(`${join(dir, 'state.json')} is not JSON: ${(error as Error).message}`, {
      field: 'path',
    });
  }
  const unreadable: OpSpawnSource['unreadable'] = [];
  const events = readBounded(src, 'events.jsonl', MAX_EVENTS_BYTES);
  if (typeof events === 'object') unreadable.push({ path: 'events.jsonl', reason: events.reason });
  const knowledge: OpSpawnSource['knowledge'] = [];
  let entries: ReturnType<typeof listFolder> = [];
  try {
    entries = listFolder(src, 'knowledge');
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    unreadable.push({ path: 'knowledge/', reason: error.message });
  }
  for (const entry of entries) {
    if (!entry.name.endsWith('.md')) continue;
    const text =
      entry.kind === 'file'
        ? readBounded(src, join('knowledge', entry.name), MAX_DOCUMENT_BYTES)
        : { reason: `is a ${entry.kind === 'link' ? 'symbolic link' : entry.kind}, not a file` };
    if (typeof text === 'string') knowledge.push({ name: entry.name.slice(0, -3), text });
    else if (text) unreadable.push({ path: `knowledge/${entry.name}`, reason: text.reason });
  }
  return {
    dir,
    state,
    eventLines: typeof events === 'string' ? events.split('\n') : [],
    knowledge,
    unreadable,
  };
}
