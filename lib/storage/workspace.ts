import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { OrcError } from '../shared/index.js';
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
  readonly knowledgeDir: string;
  /** Consolidated run notes, inside the knowledge base. */
  readonly runNotesDir: string;
  readonly configFile: string;
  /** Where `orc doctor --fix` moves what it cannot read; never deleted by orc. */
  readonly quarantineDir: string;
  /** Git-ignored, machine-local: the workspace lock and derived caches. */
  readonly localDir: string;
  /** Leases and logs of background runners. */
  readonly runnersDir: string;
  /** The derived knowledge index. */
  readonly knowledgeIndexDir: string;
  /** Journals of commits in progress (see journal.ts): one is left only by a process that died mid-commit. */
  readonly journalDir: string;
}

export interface FindWorkspaceOptions {
  /** An explicit workspace folder (the CLI's `--dir`). */
  dir?: string;
  /** Where to start walking up from; defaults to the current directory. */
  cwd?: string;
  /** Defaults to process.env; `ORCHESTRATOR_DIR` names the workspace. */
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
    knowledgeDir,
    runNotesDir: join(knowledgeDir, 'runs'),
    configFile: join(abs, 'orchestrator.yaml'),
    quarantineDir: join(abs, 'quarantine'),
    localDir,
    runnersDir: join(localDir, 'runners'),
    knowledgeIndexDir: join(localDir, 'knowledge'),
    journalDir: join(localDir, 'journal'),
  };
}

const markerFile = (root: string) => join(root, 'state', 'orc.json');

function isWorkspace(root: string): boolean {
  return existsSync(markerFile(root));
}

/** Finds the workspace: `dir`, else `ORCHESTRATOR_DIR`, else the nearest folder up from `cwd`. */
export function findWorkspace(options: FindWorkspaceOptions = {}): Workspace {
  const env = options.env ?? process.env;
  const explicit = options.dir ?? (env.ORCHESTRATOR_DIR || undefined);
  if (explicit !== undefined) {
    const root = resolve(options.cwd ?? process.cwd(), explicit);
    if (!isWorkspace(root)) {
      throw new OrcError(
        'NO_WORKSPACE',
        `${root} is not an orc workspace: run \`orc init ${explicit}\` first`,
      );
    }
    return openChecked(sharedAcrossWorktrees(root));
  }
  let dir = resolve(options.cwd ?? process.cwd());
  for (;;) {
    if (isWorkspace(dir)) return openChecked(sharedAcrossWorktrees(dir));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new OrcError(
    'NO_WORKSPACE',
    'no orc workspace here or in any parent folder: run `orc init` (or pass --dir / set ORCHESTRATOR_DIR)',
  );
}

/**
 * All worktrees of a repository share one board: in a linked worktree (whose `.git` is a file pointing
 * into the main repository), the workspace is the same path in the main worktree, so one agent's claim
 * is at once visible to agents in every other worktree. Found with plain file reads, without running git.
 */
export function sharedAcrossWorktrees(root: string): string {
  if (process.env.ORC_WORKTREE_BOARD === 'own') return root;
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

function openChecked(root: string): Workspace {
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
  return workspaceAt(root);
}

export interface InitResult {
  workspace: Workspace;
  /** Paths (relative to the workspace) created or extended by this call; empty when nothing changed. */
  changed: string[];
}

const GITIGNORE_LINES = ['# orc: machine-local lock and caches', '.orc/', 'state/**/.*.tmp-*'];
/** orc's merge driver for its files; `orc git setup` defines it in the repo's git config. */
export const GITATTRIBUTES_LINES = [
  '# orc: merge state and the event log field by field (driver set up by `orc git setup`)',
  'state/**/*.json merge=orc',
  'events.jsonl merge=orc',
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
export function initWorkspace(dir = '.'): InitResult {
  const ws = workspaceAt(dir);
  const changed: string[] = [];
  for (const path of [ws.root, ws.knowledgeDir, ws.tasksDir, ws.workstreamsDir, ws.agentsDir, ws.locksDir]) {
    if (!existsSync(path)) {
      mkdirSync(path, { recursive: true });
      changed.push(`${path.slice(ws.root.length + 1) || '.'}/`);
    }
  }
  if (existsSync(ws.root) && !statSync(ws.root).isDirectory()) {
    throw new OrcError('INVALID_INPUT', `${ws.root} exists and is not a folder`);
  }
  if (!existsSync(markerFile(ws.root))) {
    writeJsonAtomic(ws, markerFile(ws.root), { format: WORKSPACE_FORMAT });
    changed.push('state/orc.json');
  } else {
    openChecked(ws.root);
  }
  if (!existsSync(ws.eventsFile)) {
    writeFileSync(ws.eventsFile, '');
    changed.push('events.jsonl');
  }
  if (!existsSync(ws.configFile)) {
    writeFileSync(ws.configFile, CONFIG_TEMPLATE);
    changed.push('orchestrator.yaml');
  }
  for (const [name, lines] of [
    ['.gitignore', GITIGNORE_LINES],
    ['.gitattributes', GITATTRIBUTES_LINES],
  ] as const) {
    if (ensureLines(join(ws.root, name), lines)) changed.push(name);
  }
  return { workspace: ws, changed };
}

/** Appends the lines a file lacks (comments are only written along with a missing rule). */
export function ensureLines(path: string, lines: readonly string[]): boolean {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const have = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
  const rules = lines.filter((line) => !line.startsWith('#'));
  if (rules.every((line) => have.has(line))) return false;
  const missing = lines.filter((line) => line.startsWith('#') || !have.has(line));
  const prefix = existing === '' || existing.endsWith('\n') ? '' : '\n';
  appendFileSync(path, `${prefix}${missing.join('\n')}\n`);
  return true;
}
