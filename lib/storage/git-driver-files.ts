import { join, relative } from 'node:path';
import { readText } from './files.js';
import { gitPlace } from './presence-files.js';
import { ensureLines } from './workspace.js';
import type { Workspace } from './workspace.js';

/*
 * orc's merge driver, as the files of a clone hold it. git never clones `.git/config`, so a fresh clone
 * has no driver: the committed `.gitattributes` therefore gives the event log git's built-in `union`
 * merge (no configuration needed; readers tolerate order, duplicates are dropped by event id), and a
 * clone that has the driver overrides that locally in `.git/info/attributes`, which git reads before
 * `.gitattributes`, to merge the log in time order. Reading these is plain file reads (no `git`
 * process), cheap enough for every command to check.
 */

/** What a clone lacks of orc's merge setup: nothing, or the driver / the local attributes; undefined outside git. */
export function mergeSetupMissing(ws: Workspace): { driver: boolean; attributes: boolean } | undefined {
  const place = gitPlace(ws.root);
  if (!place) return undefined;
  const common = { root: place.common };
  const config = readText(common, join(place.common, 'config')) ?? '';
  const attributes = readText(common, join(place.common, 'info', 'attributes')) ?? '';
  return {
    driver: !/^\s*\[merge "orc"\]/m.test(config),
    attributes: !localAttributes(ws, place.top).every((wanted) =>
      attributes.split(/\r?\n/).some((line) => line.trim() === wanted),
    ),
  };
}

/** The lines of `.git/info/attributes` that give this workspace's event log (and its closed segments) orc's driver. */
function localAttributes(ws: Workspace, top: string): string[] {
  const path = (file: string) => relative(top, file).split('\\').join('/');
  return [`/${path(ws.eventsFile)} merge=orc`, `/${path(ws.eventSegmentsDir)}/*.jsonl merge=orc`];
}

/** Writes the local override of the event log's merge (see above); true when it changed the file. */
export function writeLocalMergeAttributes(ws: Workspace): boolean {
  const place = gitPlace(ws.root);
  if (!place) return false;
  return ensureLines({ root: place.common }, join(place.common, 'info', 'attributes'), [
    "# orc: this clone has orc's merge driver: the event log merges in time order (see .gitattributes)",
    ...localAttributes(ws, place.top),
  ]);
}
