import { listFolder } from './files.js';
import { RECORD_KINDS } from './record-kinds.js';
import type { Workspace } from './workspace.js';

/** The record kinds whose file name is `<key>.json`. */
export type KeyNamedKind = 'task' | 'workstream' | 'agent';

/**
 * The keys of a kind's records (task ids, workstream names, agent ids), sorted, from the file names
 * alone: no record is read or validated, so it stays fast on a big board (shell completion calls it
 * on every Tab). A name that is not a record's, or an entry that is not a file, is left out.
 */
export function listRecordKeys(ws: Workspace, name: KeyNamedKind): string[] {
  const kind = RECORD_KINDS[name];
  return listFolder(ws, ws[kind.folder])
    .filter((entry) => entry.kind === 'file' && kind.isRecordName(entry.name))
    .map((entry) => entry.name.slice(0, -'.json'.length))
    .sort();
}
