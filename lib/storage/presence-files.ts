import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { OrcError, isName } from '../shared/index.js';
import { type Rooted, listFolder, readText } from './files.js';
import { writeJsonAtomic } from './json-file.js';
import type { Workspace } from './workspace.js';

/*
 * Presence (when an agent was last heard from, and the lease renewals of its claims) is machine-local:
 * a heartbeat every few minutes must not rewrite a committed file nor grow the event log. It lives in
 * the repository's git common dir, which git never commits and which every worktree of the repository
 * shares; outside git, in the workspace's git-ignored local folder. One file per agent, so agents
 * never write the same file, each written atomically.
 */

const places = new Map<string, string>();

/** Where a repository's git data lives for `root`: the common dir of its worktrees, or undefined outside git. */
export function gitPlace(root: string): { top: string; common: string } | undefined {
  // Plain reads of git's own files, outside any workspace (so not through the confined layer), and no
  // `git` process: this runs on every heartbeat and every `t next`.
  for (let dir = root; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return { top: dir, common: dotGit };
      const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      if (!gitdir) return undefined;
      const linked = resolve(dir, gitdir);
      let common = linked; // a submodule's gitdir is its own common dir
      try {
        common = resolve(linked, readFileSync(join(linked, 'commondir'), 'utf8').trim());
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return { top: dir, common };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The folder holding this workspace's presence files: `<git common dir>/orc/presence/<key>`, the key
 * naming the workspace's place inside the repository (the same in every worktree), else
 * `<local dir>/presence`.
 */
export function presenceFolder(ws: Workspace): string {
  let place = places.get(ws.root);
  if (place === undefined) {
    const repo = gitPlace(ws.root);
    if (repo === undefined) place = join(ws.localDir, 'presence');
    else {
      const key = createHash('sha256').update(relative(repo.top, ws.root)).digest('hex').slice(0, 16);
      place = join(repo.common, 'orc', 'presence', key);
    }
    places.set(ws.root, place);
  }
  return place;
}

const rooted = (ws: Workspace): Rooted => ({ root: presenceFolder(ws) });
const isPresenceFile = (name: string) => name.endsWith('.json') && !name.startsWith('.');

/** What the presence folder holds: each file's text by agent id (its name), and what could not be read. */
export interface PresenceTexts {
  texts: Map<string, string>;
  /** One line each: an entry that is not a plain file, or a folder that cannot be listed. */
  problems: string[];
}

/**
 * Reads every presence file. Nothing here is fatal (presence only ever extends a lease): a link, a
 * folder or an unreadable entry is returned as a problem for the caller to warn about.
 */
export function readPresenceTexts(ws: Workspace): PresenceTexts {
  const place = rooted(ws);
  const texts = new Map<string, string>();
  const problems: string[] = [];
  try {
    for (const entry of listFolder(place, place.root)) {
      if (!isPresenceFile(entry.name)) continue;
      if (entry.kind !== 'file') {
        problems.push(`${join(place.root, entry.name)} is a ${entry.kind}, not a file`);
        continue;
      }
      const text = readText(place, join(place.root, entry.name));
      if (text !== undefined) texts.set(entry.name.slice(0, -'.json'.length), text);
    }
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    problems.push(error.message);
  }
  return { texts, problems };
}

/** Writes one agent's presence file atomically. */
export function writePresenceFile(ws: Workspace, agent: string, value: unknown): void {
  if (!isName(agent)) {
    throw new OrcError('INTERNAL', `presence file name ${JSON.stringify(agent)} is not an agent id`);
  }
  const place = rooted(ws);
  writeJsonAtomic(place, join(place.root, `${agent}.json`), value);
}
