import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { OrcError } from '../shared/index.js';
import { type Workspace, entryKind, findWorkspace, listFiles, readTextsIn } from '../storage/index.js';
import { type AgentTool, type HookCall, parseHookCall } from './hook-input.js';
import { resolveAgentIdentity } from './identity.js';
import { type EditedFile, type HeldLock, blockingLock, holdsLock } from './lock-match.js';

export interface PreEditOptions {
  /** The agent tool that runs the hook (`--tool`); found from the input when absent. */
  tool?: AgentTool;
  env: NodeJS.ProcessEnv;
  /** The hook's working directory; the input's `cwd` (or Cursor's first workspace root) wins. */
  cwd: string;
  /** The workspace folder (`--dir`); else found as the CLI finds it. */
  dir?: string;
  now?: Date;
  /** Take a lock of this length on each edited file the agent does not hold yet (`--auto-lock`). */
  autoLockTtlMs?: number;
}

/** What the hook decided, and why. */
export interface PreEditVerdict {
  decision: 'allow' | 'block';
  /** Why an edit is blocked, for the agent (one line). */
  reason?: string;
  /** Why orc could not check (malformed input, no workspace…): the edit is allowed all the same. */
  warnings: string[];
  agent: string | null;
  tool?: AgentTool;
  /** The edited files, relative to the repository root. */
  files: string[];
  /** The locks auto-lock took. */
  locked: string[];
}

/** The repository an agent works in: the nearest folder up from `cwd` with a `.git` (a worktree's too). */
export function repositoryRoot(cwd: string, fallback: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    // `.git` is a folder in a clone and a file in a linked worktree: either marks the root.
    if (entryKind({ root: dir }, '.git') !== undefined) return dir;
    if (dirname(dir) === dir) return fallback;
  }
}

const slash = (path: string) => path.split(sep).join('/');

/**
 * Every lock record, read cheaply: the hook runs before every edit, so it parses the files itself
 * instead of loading the record schemas; a file it cannot read is skipped (`orc doctor` reports it).
 */
export function readHeldLocks(ws: Workspace): HeldLock[] {
  const names = listFiles(ws, ws.locksDir, (n) => n.endsWith('.json'));
  const locks: HeldLock[] = [];
  for (const content of readTextsIn(ws, ws.locksDir, names).values()) {
    let raw: unknown;
    try {
      raw = JSON.parse(content);
    } catch (error) {
      if (error instanceof SyntaxError) continue;
      throw error;
    }
    const { resource, owner, expiresAt } = (raw ?? {}) as Record<string, unknown>;
    if (typeof resource === 'string' && typeof owner === 'string' && typeof expiresAt === 'string') {
      locks.push({ resource, owner, expiresAt });
    }
  }
  return locks;
}

const allow = (warnings: string[], rest: Partial<PreEditVerdict> = {}): PreEditVerdict => ({
  decision: 'allow',
  warnings,
  agent: null,
  files: [],
  locked: [],
  ...rest,
});

/**
 * The pre-edit hook: blocks an edit to a file under another agent's live lock, allows everything else.
 * orc's own failures (input that does not parse, no workspace, an unreadable lock folder, a bad
 * ORC_AGENT) allow the edit with a warning: a coordination tool must never stop an agent's work by
 * breaking.
 */
export async function checkPreEdit(stdin: string, options: PreEditOptions): Promise<PreEditVerdict> {
  let call: HookCall | undefined;
  try {
    call = parseHookCall(JSON.parse(stdin), options.tool);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  if (!call) return allow(['the hook input is not the JSON of a tool call: edit allowed unchecked']);
  if (!call.isEdit || call.paths.length === 0) return allow([], { tool: call.tool });
  try {
    return await checkCall(call, options);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    return allow([`${error.message}: edit allowed unchecked`], { tool: call.tool });
  }
}

async function checkCall(call: HookCall, options: PreEditOptions): Promise<PreEditVerdict> {
  const cwd = call.cwd ?? options.cwd;
  const identity = resolveAgentIdentity(options.env, call);
  const ws = findWorkspace({ dir: options.dir, cwd, env: options.env });
  const repo = repositoryRoot(cwd, ws.root);
  const files: EditedFile[] = call.paths.map((p) => {
    const abs = resolve(cwd, p);
    const rel = relative(repo, abs);
    return {
      abs: slash(abs),
      rel: rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? slash(abs) : slash(rel),
    };
  });
  const now = (options.now ?? new Date()).getTime();
  const locks = readHeldLocks(ws);
  const base = { tool: call.tool, agent: identity.agent, files: files.map((f) => f.rel) };
  const blocked = blockingLock(locks, files, identity.agent, now);
  if (blocked) {
    const { lock, file } = blocked;
    const yours = identity.agent
      ? ''
      : ' (orc does not know who you are: if the lock is yours, set ORC_AGENT)';
    const reason = `orc: ${file.rel} is locked by ${lock.owner} until ${lock.expiresAt} (lock ${JSON.stringify(lock.resource)})${yours}: work on something else, or ask ${lock.owner} to release it`;
    return { ...base, decision: 'block', reason, warnings: [], locked: [] };
  }
  if (options.autoLockTtlMs === undefined) return { ...base, decision: 'allow', warnings: [], locked: [] };
  if (!identity.agent) {
    return {
      ...base,
      decision: 'allow',
      warnings: [`--auto-lock took no lock: ${identity.reason}`],
      locked: [],
    };
  }
  const agent = identity.agent;
  const missing = files.filter((f) => !holdsLock(locks, f, agent, now));
  const locked: string[] = [];
  // Loaded only when a lock is to be taken: the board costs the hook's every other run nothing.
  const { acquireLock } = missing.length ? await import('../board/index.js') : { acquireLock: undefined };
  for (const file of missing) {
    try {
      await acquireLock!(ws, file.rel, agent, {
        ttlMs: options.autoLockTtlMs,
        actor: agent,
        now: options.now,
      });
      locked.push(file.rel);
    } catch (error) {
      // Another agent took it between the read above and now: its lock wins.
      if (error instanceof OrcError && error.code === 'CONFLICT') {
        return { ...base, decision: 'block', reason: `orc: ${error.message}`, warnings: [], locked };
      }
      throw error;
    }
  }
  return { ...base, decision: 'allow', warnings: [], locked };
}

/** How the verdict is told to the agent tool: exit code, stdout and stderr by that tool's convention. */
export interface HookReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/*
 * Claude Code and Codex: exit 2 blocks the tool call and hands stderr to the model as the reason; exit
 * 0 allows (code.claude.com/docs/en/hooks, "Exit code 2 behavior"; Codex uses the same contract).
 * Cursor: a JSON reply on stdout, `{"permission": "allow"|"deny", "user_message", "agent_message"}`,
 * expected on every path; exit 2 blocks as well (cursor.com/docs/hooks).
 * Gemini CLI: exit 2 blocks with stderr as the reason; after exit 0 stdout must be JSON only
 * (geminicli.com/docs/hooks/reference, "Exit codes").
 */
export function hookReply(verdict: PreEditVerdict, tool: AgentTool = verdict.tool ?? 'claude'): HookReply {
  const warnings = verdict.warnings.map((w) => `orc: warning: ${w}\n`).join('');
  const blocked = verdict.decision === 'block';
  if (tool === 'cursor') {
    const reply = blocked
      ? { permission: 'deny', user_message: verdict.reason, agent_message: verdict.reason }
      : { permission: 'allow' };
    return {
      exitCode: blocked ? 2 : 0,
      stdout: `${JSON.stringify(reply)}\n`,
      stderr: blocked ? `${verdict.reason}\n${warnings}` : warnings,
    };
  }
  // Gemini CLI parses stdout as JSON after exit 0: an empty object says "nothing to change".
  const stdout = tool === 'gemini' && !blocked ? '{}\n' : '';
  return { exitCode: blocked ? 2 : 0, stdout, stderr: blocked ? `${verdict.reason}\n${warnings}` : warnings };
}
