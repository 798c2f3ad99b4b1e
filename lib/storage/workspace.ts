import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { OrcError, envValue } from '../shared/index.js';
import {
  type Rooted,
  appendText,
  ensureFolder,
  entryKind,
  readText,
  workspaceRelative,
  writeText,
} from './files.js';
import { refuseDataDir } from './data-dir.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';

/** The on-disk format this version of orc reads and writes. */
export const WORKSPACE_FORMAT = 1;

/**
 * Where everything of one workspace lives: every path orc owns is named here, derived from `root`, and
 * reached only through the storage layer (files.ts), which confines it.
 */
export interface Workspace {
  readonly root: string;
  /** `state/orc.json`: marks the workspace and names its format. */
  readonly markerFile: string;
  readonly stateDir: string;
  readonly tasksDir: string;
  readonly workstreamsDir: string;
  readonly agentsDir: string;
  readonly locksDir: string;
  readonly runsDir: string;
  readonly cyclesDir: string;
  readonly policiesDir: string;
  readonly eventsFile: string;
  /** Closed segments of the event log (see event-segments.ts), committed like events.jsonl. */
  readonly eventSegmentsDir: string;
  readonly knowledgeDir: string;
  /** Consolidated run notes, inside the knowledge base. */
  readonly runNotesDir: string;
  /** Where `orc memory prune` moves run notes (never deleted; not searched). */
  readonly runNotesArchiveDir: string;
  readonly configFile: string;
  /** `.env` beside orchestrator.yaml: variables for its `${VAR}`s. */
  readonly envFile: string;
  readonly gitignoreFile: string;
  readonly gitattributesFile: string;
  /** Where `orc doctor --fix` moves what it cannot read; never deleted by orc. */
  readonly quarantineDir: string;
  /** Git-ignored, machine-local: the workspace lock and derived caches. */
  readonly localDir: string;
  /** Leases and logs of background runners. */
  readonly runnersDir: string;
  /** The derived knowledge index. */
  readonly knowledgeIndexDir: string;
  /** The derived task index: every task as JSON lines, and the queue view of each as tab-separated lines. */
  readonly taskIndexFile: string;
  readonly taskQueueFile: string;
  /** The board at a glance (counts, claims, the most urgent open tasks), kept with the task index. */
  readonly taskSummaryFile: string;
  /** Where HEAD's reflog stood when the task index last caught up with the folder (git-changes.ts). */
  readonly taskHeadFile: string;
  /** The titles of the claimed tasks, for status (see claim-titles.ts). */
  readonly claimTitlesFile: string;
  /** The board settings of orchestrator.yaml, parsed once per change of the file. */
  readonly boardCacheFile: string;
  /** Size and mtime of events.jsonl when orc last checked it for merge damage. */
  readonly eventsStampFile: string;
  /** The bearer token of `orc serve`, made on first use. */
  readonly serveTokenFile: string;
  /** Journals of commits in progress (see journal.ts): one is left only by a process that died mid-commit. */
  readonly journalDir: string;
}

export interface FindWorkspaceOptions {
  /** An explicit workspace folder (the CLI's `--dir`). */
  dir?: string;
  /** Where to start walking up from; defaults to the current directory. */
  cwd?: string;
  /** Defaults to process.env; `ORC_DIR` (alias `ORCHESTRATOR_DIR`) names the workspace. */
  env?: NodeJS.ProcessEnv;
}

export function workspaceAt(root: string): Workspace {
  const abs = resolve(root);
  const stateDir = join(abs, 'state');
  const knowledgeDir = join(abs, 'knowledge');
  const localDir = join(abs, '.orc');
  return {
    root: abs,
    markerFile: join(stateDir, 'orc.json'),
    stateDir,
    tasksDir: join(stateDir, 'tasks'),
    workstreamsDir: join(stateDir, 'workstreams'),
    agentsDir: join(stateDir, 'agents'),
    locksDir: join(stateDir, 'locks'),
    runsDir: join(stateDir, 'runs'),
    cyclesDir: join(stateDir, 'cycles'),
    policiesDir: join(stateDir, 'policies'),
    eventsFile: join(abs, 'events.jsonl'),
    eventSegmentsDir: join(abs, 'events'),
    knowledgeDir,
    runNotesDir: join(knowledgeDir, 'runs'),
    runNotesArchiveDir: join(knowledgeDir, 'archive', 'runs'),
    configFile: join(abs, 'orchestrator.yaml'),
    envFile: join(abs, '.env'),
    gitignoreFile: join(abs, '.gitignore'),
    gitattributesFile: join(abs, '.gitattributes'),
    quarantineDir: join(abs, 'quarantine'),
    localDir,
    runnersDir: join(localDir, 'runners'),
    knowledgeIndexDir: join(localDir, 'knowledge'),
    taskIndexFile: join(localDir, 'tasks.index.jsonl'),
    taskQueueFile: join(localDir, 'tasks.queue.tsv'),
    taskSummaryFile: join(localDir, 'tasks.summary.json'),
    taskHeadFile: join(localDir, 'tasks.head'),
    claimTitlesFile: join(localDir, 'tasks.titles.json'),
    boardCacheFile: join(localDir, 'board.cache.json'),
    eventsStampFile: join(localDir, 'events.stamp'),
    serveTokenFile: join(localDir, 'serve-token'),
    journalDir: join(localDir, 'journal'),
  };
}

const markerFile = (root: string) => join(root, 'state', 'orc.json');

// Looking for a workspace happens before there is one to confine paths to: a plain existence check.
function isWorkspace(root: string): boolean {
  return existsSync(markerFile(root));
}

/** Finds the workspace: `dir`, else `ORC_DIR` (or `ORCHESTRATOR_DIR`), else the nearest folder up from `cwd`. */
export function findWorkspace(options: FindWorkspaceOptions = {}): Workspace {
  const env = options.env ?? process.env;
  const explicit = options.dir ?? envValue(env, 'DIR');
  if (explicit !== undefined) {
    const root = resolve(options.cwd ?? process.cwd(), explicit);
    if (!isWorkspace(root)) {
      throw new OrcError(
        'NO_WORKSPACE',
        `${root} is not an orc workspace: run \`orc init ${explicit}\` first`,
      );
    }
    return openChecked(sharedAcrossWorktrees(root), env);
  }
  let dir = resolve(options.cwd ?? process.cwd());
  for (;;) {
    if (isWorkspace(dir)) return openChecked(sharedAcrossWorktrees(dir), env);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new OrcError(
    'NO_WORKSPACE',
    'no orc workspace here or in any parent folder: run `orc init` (or pass --dir / set ORC_DIR)',
  );
}

/**
 * All worktrees of a repository share one board: in a linked worktree (whose `.git` is a file pointing
 * into the main repository), the workspace is the same path in the main worktree, so one agent's claim
 * is at once visible to agents in every other worktree. Found with plain file reads, without running git:
 * git's `.git` file and `commondir` lie outside the workspace on purpose, which is why they are read
 * here with node:fs and not through the confined layer.
 */
export function sharedAcrossWorktrees(root: string): string {
  if (envValue(process.env, 'WORKTREE_BOARD') === 'own') return root;
  for (let dir = root; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return root; // the main worktree itself
      const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      if (!gitdir) return root;
      const linked = resolve(dir, gitdir);
      let common: string;
      try {
        common = resolve(linked, readFileSync(join(linked, 'commondir'), 'utf8').trim());
      } catch {
        return root; // a submodule, not a worktree
      }
      if (basename(common) !== '.git') return root; // a bare repository has no main worktree
      const shared = join(dirname(common), relative(dir, root));
      return isWorkspace(shared) ? shared : root;
    }
    if (dirname(dir) === dir) return root;
  }
}

function openChecked(root: string, env: NodeJS.ProcessEnv): Workspace {
  const marker = readJsonIfExists<{ format?: unknown }>({ root }, markerFile(root), 'state/orc.json');
  const format = marker?.format;
  if (typeof format !== 'number') {
    throw new OrcError('CORRUPT', `state/orc.json in ${root} has no format version`);
  }
  if (format > WORKSPACE_FORMAT) {
    throw new OrcError(
      'CORRUPT',
      `this workspace has format ${format}, newer than this orc understands (${WORKSPACE_FORMAT}): upgrade orc`,
    );
  }
  const ws = workspaceAt(root);
  refuseDataDir(ws, env);
  return ws;
}

export interface InitResult {
  workspace: Workspace;
  /** Paths (relative to the workspace) created or extended by this call; empty when nothing changed. */
  changed: string[];
}

const GITIGNORE_LINES = ['# orc: machine-local lock and caches', '.orc/', 'state/**/.*.tmp-*'];
/** The `.gitattributes` lines of the event log's closed segments: git's union in any clone, orc's driver where set up. */
export const SEGMENT_ATTRIBUTE_LINES = [
  '# orc: closed segments of the event log (events/) merge like events.jsonl',
  'events/*.jsonl merge=union',
];

/** orc's merge driver for its files; `orc git setup` defines it in the repo's git config. */
export const GITATTRIBUTES_LINES = [
  "# orc: state merges field by field with orc's driver (any orc command sets it up in a clone); the",
  "# event log merges by git's built-in union in any clone, by orc's driver where .git/info/attributes says",
  'state/**/*.json merge=orc',
  'events.jsonl merge=union',
  ...SEGMENT_ATTRIBUTE_LINES,
];

const CONFIG_TEMPLATE = `# orc workspace configuration. Every setting has a default; uncomment to change one.
version: 1

orchestrator:
  name: "My workspace"

# The task board.
board:
  # How long a claim lasts without a heartbeat (\`orc a heartbeat <agent>\`) before the task is put back.
  # claim_ttl: 30m
  # Default time-to-live of a resource lock.
  # lock_ttl: 5m
  # An agent is listed as stale when it has not been heard from for this long.
  # stale_after: 10m

# The knowledge base (knowledge/). Search is offline (BM25) unless an embedding model is configured.
# knowledge:
#   brief_budget: 8000          # characters of a brief
#   search: hybrid              # lexical | semantic | hybrid (needs embeddings)
#   embeddings:
#     provider: local           # one of providers:
#     model: text-embedding-3-small
`;

/** Creates a workspace, or completes one; re-running it changes nothing that is already there. */
export function initWorkspace(dir = '.', env: NodeJS.ProcessEnv = process.env): InitResult {
  const ws = workspaceAt(dir);
  if (existsSync(ws.root) && statSync(ws.root).isDirectory()) refuseDataDir(ws, env);
  // The root itself may well be reached through a link (it is the user's choice of folder); only what
  // lies below it is confined.
  if (existsSync(ws.root) && !statSync(ws.root).isDirectory()) {
    throw new OrcError('INVALID_INPUT', `${ws.root} exists and is not a folder`);
  }
  const changed: string[] = [];
  for (const path of [ws.root, ws.knowledgeDir, ws.tasksDir, ws.workstreamsDir, ws.agentsDir, ws.locksDir]) {
    const kind = path === ws.root ? (existsSync(path) ? 'folder' : undefined) : entryKind(ws, path);
    if (kind === undefined) {
      ensureFolder(ws, path);
      changed.push(`${workspaceRelative(ws, path)}/`);
    } else if (kind !== 'folder') ensureFolder(ws, path); // names the path that is not a folder
  }
  if (entryKind(ws, ws.markerFile) === undefined) {
    writeJsonAtomic(ws, ws.markerFile, { format: WORKSPACE_FORMAT });
    changed.push('state/orc.json');
  } else {
    openChecked(ws.root, env);
  }
  for (const [path, content] of [
    [ws.eventsFile, ''],
    [ws.configFile, CONFIG_TEMPLATE],
  ] as const) {
    if (entryKind(ws, path) === undefined) {
      writeText(ws, path, content);
      changed.push(workspaceRelative(ws, path));
    }
  }
  for (const [path, lines] of [
    [ws.gitignoreFile, GITIGNORE_LINES],
    [ws.gitattributesFile, GITATTRIBUTES_LINES],
  ] as const) {
    if (ensureLines(ws, path, lines)) changed.push(workspaceRelative(ws, path));
  }
  return { workspace: ws, changed };
}

/** Appends to a workspace file the lines it lacks (comments are only written along with a missing rule). */
export function ensureLines(ws: Rooted, path: string, lines: readonly string[]): boolean {
  const existing = readText(ws, path) ?? '';
  const have = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
  const rules = lines.filter((line) => !line.startsWith('#'));
  if (rules.every((line) => have.has(line))) return false;
  // A comment already there is not written twice (an upgrade adds one rule under the old comments).
  const missing = lines.filter((line) => !have.has(line));
  appendText(ws, path, `${missing.join('\n')}\n`, { separate: true });
  return true;
}
