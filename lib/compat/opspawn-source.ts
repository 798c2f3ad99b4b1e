import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrcError, invalidInput, notFound, quote } from '../shared/index.js';

/*
 * Reads an OpSpawn orchestrator's data folder: `state.json` (workstreams with their tasks, agents and
 * locks in one file), `events.jsonl` and `knowledge/*.md`. The folder is the user's, outside the
 * workspace, so it is read with plain file reads; only regular files are read (a symbolic link could
 * point anywhere), each within a size bound. Nothing here is trusted: import checks every field.
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

type Kind = 'file' | 'folder' | 'link' | 'other' | undefined;

function kindOf(path: string): Kind {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? 'link' : stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readBounded(path: string, max: number): string | { reason: string } {
  const kind = kindOf(path);
  if (kind === 'link') return { reason: 'is a symbolic link' };
  if (kind !== 'file') return { reason: 'is not a regular file' };
  const size = lstatSync(path).size;
  if (size > max) return { reason: `is ${size} bytes: the limit is ${max}` };
  return readFileSync(path, 'utf8');
}

/** Reads the folder; NOT_FOUND when it has no state.json, INVALID_INPUT when that is not JSON. */
export function readOpSpawnFolder(path: string): OpSpawnSource {
  const dir = resolve(path);
  const statePath = join(dir, 'state.json');
  if (kindOf(statePath) === undefined)
    throw notFound(
      `${quote(dir)} holds no state.json: give the OpSpawn data folder (state.json, events.jsonl, knowledge/)`,
      {
        field: 'path',
      },
    );
  const stateText = readBounded(statePath, MAX_STATE_BYTES);
  if (typeof stateText !== 'string')
    throw invalidInput(`${statePath} ${stateText.reason}: give the real file`, { field: 'path' });
  let state: unknown;
  try {
    state = JSON.parse(stateText);
  } catch (error) {
    throw new OrcError('INVALID_INPUT', `${statePath} is not JSON: ${(error as Error).message}`, {
      details: { field: 'path' },
    });
  }
  const unreadable: OpSpawnSource['unreadable'] = [];
  const eventsPath = join(dir, 'events.jsonl');
  let eventLines: string[] = [];
  if (kindOf(eventsPath) !== undefined) {
    const text = readBounded(eventsPath, MAX_EVENTS_BYTES);
    if (typeof text === 'string') eventLines = text.split('\n');
    else unreadable.push({ path: 'events.jsonl', reason: text.reason });
  }
  const knowledge: OpSpawnSource['knowledge'] = [];
  const knowledgeDir = join(dir, 'knowledge');
  const folderKind = kindOf(knowledgeDir);
  if (folderKind === 'link') unreadable.push({ path: 'knowledge/', reason: 'is a symbolic link' });
  else if (folderKind === 'folder') {
    for (const entry of readdirSync(knowledgeDir).sort()) {
      if (!entry.endsWith('.md')) continue;
      const text = readBounded(join(knowledgeDir, entry), MAX_DOCUMENT_BYTES);
      if (typeof text === 'string') knowledge.push({ name: entry.slice(0, -3), text });
      else unreadable.push({ path: `knowledge/${entry}`, reason: text.reason });
    }
  }
  return { dir, state, eventLines, knowledge, unreadable };
}
