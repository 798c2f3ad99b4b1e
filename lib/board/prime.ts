import { join } from 'node:path';
import { loadBoardSettings } from '../config/index.js';
import { checkName, compareText, formatAge } from '../shared/index.js';
import { listAgents } from './agents.js';
import { nextTaskOrder } from './claims.js';
import { listLocks } from './locks.js';
import { applyPresence, loadPresence } from './presence.js';
import { depsDone, getTask, isAvailable, isClaimLive, reservedFor } from './tasks.js';
import { listWorkstreams } from './workstreams.js';
import { type QueueEntry, type Workspace, gitPlace, loadQueue, readText } from '../storage/index.js';

/*
 * The primer: what an agent needs at session start or after its context was compacted, in one short
 * markdown text (or the same facts as JSON): who it is, the claims it holds and their leases, the ready
 * tasks worth taking, its locks, and the protocol with commands that work here as printed. Bounded:
 * a few of each list, titles cut, so that it stays small on a board of any size.
 */

export interface PrimeOptions {
  /** The agent (from `--agent` or `ORC_AGENT`); without it the primer says how to name one. */
  agent?: string;
  /** How to invoke orc in the commands printed (`orc`, `node /path/bin/orc.js`, `npx orc`). */
  invocation?: string;
  /** When leases are judged (default: the clock). */
  now?: Date;
  /** Ready tasks listed (default 5). */
  ready?: number;
}

export interface PrimeClaim {
  id: string;
  title: string;
  workstream: string;
  token: string;
  expiresAt: string;
  lease: 'live' | 'expired';
}

export interface PrimeTask {
  id: string;
  title: string;
  workstream: string;
  priority: number;
}

/** The primer's facts; `renderPrime` writes them as markdown. */
export interface Prime {
  agent: string | null;
  /** False when the agent is named but not registered yet. */
  registered: boolean;
  workspace: string;
  invocation: string;
  /** Files in the repository that configure orc's MCP server for an agent tool (then tools are named). */
  mcp: string[];
  leaseTtl: string;
  claims: PrimeClaim[];
  /** The first ready tasks in the order `t next` hands them out to this agent. */
  ready: PrimeTask[];
  readyCount: number;
  locks: Array<{ resource: string; expiresAt: string }>;
}

const MCP_FILES = ['.mcp.json', '.cursor/mcp.json', '.codex/config.toml'];

/** Whether an agent tool's config text starts orc's MCP server (`orc mcp`, or command orc with args [mcp]). */
export function mentionsOrcMcp(text: string): boolean {
  // `orc mcp` in a command line, or "orc", "mcp" in an argument list (`npx orc mcp`).
  if (/\borc(?:\.js)?["']?\s*,?\s*["']?mcp\b/.test(text)) return true;
  const command = /["']?command["']?\s*[:=]\s*["'](?:[^"']*[/\\])?orc(?:\.js)?["']/.test(text);
  return command && /["']?args["']?\s*[:=]\s*\[[^\]]*["']mcp["']/.test(text);
}

/** The agent-tool config files of the repository (or workspace) that configure orc's MCP server. */
export function findMcpConfig(ws: Workspace): string[] {
  const top = gitPlace(ws.root)?.top ?? ws.root;
  const root = { root: top };
  return MCP_FILES.filter((name) => {
    const text = readText(root, join(top, name));
    return text !== undefined && mentionsOrcMcp(text);
  });
}

/** Gathers the primer's facts for one agent (or for whoever has not said who they are). */
export async function primeAgent(ws: Workspace, options: PrimeOptions = {}): Promise<Prime> {
  const now = options.now ?? new Date();
  const agentId = options.agent === undefined ? null : checkName('agent', options.agent);
  const agent = agentId === null ? undefined : listAgents(ws, { now }).find((a) => a.id === agentId);
  const board = loadBoardSettings(ws);
  const presence = loadPresence(ws);
  // The queue view (no texts) is enough to choose; only the few tasks listed are read whole.
  const queue = applyPresence(await loadQueue(ws), presence);
  const workstreams = listWorkstreams(ws);
  const active = new Set(workstreams.filter((w) => w.status === 'active').map((w) => w.name));
  const held: QueueEntry[] = [];
  const ready: QueueEntry[] = [];
  for (const t of queue.values()) {
    if (t.status === 'claimed' && t.claim?.agent === agentId) held.push(t);
    const reserved = reservedFor(t);
    if (reserved !== undefined && reserved !== agentId) continue;
    if (isAvailable(t, now.getTime()) && active.has(t.workstream) && depsDone(t, queue)) ready.push(t);
  }
  held.sort((a, b) => compareText(a.claim!.expiresAt, b.claim!.expiresAt) || compareText(a.id, b.id));
  ready.sort(nextTaskOrder({ capabilities: agent?.capabilities ?? [] }, workstreams));
  const title = async (id: string) => (await getTask(ws, id)).title;
  const claims: PrimeClaim[] = [];
  for (const t of held) {
    const { token, expiresAt } = t.claim!;
    const lease = isClaimLive(t, now.getTime()) ? 'live' : 'expired';
    claims.push({ id: t.id, title: await title(t.id), workstream: t.workstream, token, expiresAt, lease });
  }
  const listed: PrimeTask[] = [];
  for (const t of ready.slice(0, options.ready ?? 5)) {
    listed.push({ id: t.id, title: await title(t.id), workstream: t.workstream, priority: t.priority });
  }
  const locks = agentId === null ? [] : listLocks(ws, { now }).filter((l) => l.owner === agentId);
  return {
    agent: agentId,
    registered: agent !== undefined,
    workspace: ws.root,
    invocation: options.invocation ?? 'orc',
    mcp: findMcpConfig(ws),
    leaseTtl: formatAge(board.claimTtlMs),
    claims,
    ready: listed,
    readyCount: ready.length,
    locks: locks.map((l) => ({ resource: l.resource, expiresAt: l.expiresAt })),
  };
}

const LISTED = 5;

/** A title on one line of at most `max` characters. */
const short = (text: string, max = 80) =>
  text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;

/** The primer as markdown. With orc's MCP server configured, the protocol names its tools. */
export function renderPrime(p: Prime): string {
  const orc = p.invocation;
  const me = p.agent ?? '<agent>';
  const out: string[] = ['# orc: you are coordinated through this board', ''];
  if (p.agent === null) {
    out.push(`- who: unknown. Set ORC_AGENT=<your id> (or pass --agent), then \`${orc} prime\` again.`);
  } else {
    out.push(
      `- who: **${p.agent}**${p.registered ? '' : ` (not registered: \`${orc} a register ${p.agent}\`)`}`,
    );
  }
  out.push(`- board: ${p.workspace}`, '');
  out.push('## Your claims');
  if (p.claims.length === 0) out.push('none: take one with the first step below.');
  for (const c of p.claims.slice(0, LISTED)) {
    const lease =
      c.lease === 'live' ? `lease until ${c.expiresAt}` : `lease EXPIRED at ${c.expiresAt}: take it again`;
    out.push(`- ${c.id} "${short(c.title)}" (${c.workstream}), ${lease}, token ${c.token}`);
  }
  if (p.claims.length > LISTED)
    out.push(`- and ${p.claims.length - LISTED} more: \`${orc} t list --agent ${me}\``);
  if (p.locks.length > 0) {
    out.push('', '## Your locks');
    for (const l of p.locks.slice(0, LISTED))
      out.push(`- ${JSON.stringify(l.resource)} until ${l.expiresAt}`);
    if (p.locks.length > LISTED) out.push(`- and ${p.locks.length - LISTED} more: \`${orc} lock list\``);
  }
  out.push('', `## Ready tasks (${p.readyCount} in all, in the order you would get them)`);
  if (p.ready.length === 0) out.push('none right now.');
  for (const t of p.ready) out.push(`- ${t.id} p${t.priority} ${t.workstream}: ${short(t.title)}`);
  out.push('', '## Protocol', ...protocol(p, me));
  return `${out.join('\n')}\n`;
}

function protocol(p: Prime, me: string): string[] {
  const orc = p.invocation;
  const sh = (cmd: string) => `\`${orc} ${cmd}\``;
  // Heartbeats and notes have no MCP tool yet: those two stay shell commands in either form.
  const steps =
    p.mcp.length > 0
      ? [
          `orc's MCP server is configured (${p.mcp.join(', ')}): use its tools.`,
          `1. Work: \`task_next\` {agent: "${me}"} gives your claim back (or a new one) with its brief.`,
          `2. Alive: ${sh(`a heartbeat ${me}`)} at least every ${p.leaseTtl}, or the task goes back.`,
          `3. Progress: ${sh(`t note <id> "<what you did>" --agent ${me}`)}.`,
          '4. Shared files: `lock_acquire` {resource, agent} before editing, `lock_release` after.',
          '5. Finish: `task_complete` {id, agent, result} or `task_fail` {id, agent, reason}.',
          '6. Learned something: `kb_write` {name, content}.',
        ]
      : [
          `1. Work: ${sh(`t next ${me} --brief`)} gives your claim back (or a new one) with its brief.`,
          `2. Alive: ${sh(`a heartbeat ${me}`)} at least every ${p.leaseTtl}, or the task goes back.`,
          `3. Progress: ${sh(`t note <id> "<what you did>" --agent ${me}`)}.`,
          `4. Shared files: ${sh(`lock acquire <path> ${me}`)} before editing, ${sh(`lock release <path> ${me}`)} after.`,
          `5. Finish: ${sh(`t complete <id> "<result>" --agent ${me}`)} or ${sh(`t fail <id> "<why>" --agent ${me}`)}.`,
          `6. Learned something: ${sh('kb write <name> - < notes.md')}.`,
        ];
  return [...steps, 'One claim at a time: finish or fail it before taking another.'];
}
