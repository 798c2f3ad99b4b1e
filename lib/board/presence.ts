import { type Workspace, readPresenceTexts, writePresenceFile } from '../storage/index.js';

/*
 * Presence: when each agent was last heard from, and the lease renewals of the claims it holds, kept
 * machine-local (see lib/storage/presence-files.ts) so that heartbeats leave git alone. A task file's
 * `claim.expiresAt` is the lease as last committed; a renewal here extends that same claim (same agent,
 * same token) on this machine; `orc sync` folds renewals into the task files so that other machines
 * see them. claimExpiry is the one rule every reader of a lease applies.
 */

/** A lease renewal of one claim, as a heartbeat recorded it. */
export interface PresenceClaim {
  task: string;
  token: string;
  expiresAt: string;
}

/** One agent's presence file. */
export interface AgentPresence {
  v: 1;
  agent: string;
  lastSeen: string;
  claims: PresenceClaim[];
}

/** Every agent's presence on this machine, with the renewals indexed by task. */
export interface Presence {
  readonly agents: ReadonlyMap<string, AgentPresence>;
  readonly renewals: ReadonlyMap<string, PresenceClaim & { agent: string }>;
}

/** No presence at all: leases are what the task files say. */
export const NO_PRESENCE: Presence = { agents: new Map(), renewals: new Map() };

/** The fields of a task the lease rule reads. */
export interface LeasedTask {
  id: string;
  claim: { agent: string; token: string; expiresAt: string } | null;
}

const isStamp = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** An agent's presence file parsed, or the problem that makes it unusable. */
function parsePresence(agent: string, text: string): AgentPresence | string {
  let value: Partial<AgentPresence>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `it is not valid JSON (${(error as Error).message})`;
  }
  if (value?.v !== 1) return `its format ${JSON.stringify(value?.v)} is not 1`;
  if (value.agent !== agent) return `it names agent ${JSON.stringify(value.agent)}`;
  if (!isStamp(value.lastSeen)) return 'lastSeen is not a time';
  const claims = value.claims;
  if (
    !Array.isArray(claims) ||
    !claims.every((c) => typeof c?.task === 'string' && typeof c.token === 'string' && isStamp(c.expiresAt))
  ) {
    return 'claims must be a list of {task, token, expiresAt}';
  }
  return { v: 1, agent, lastSeen: value.lastSeen, claims };
}

const warned = new Set<string>();

/** A process warning, once per problem and process: a heartbeat every minute must not flood stderr. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`orc: ${message}`, { code: 'ORC_PRESENCE' });
}

/**
 * Reads every agent's presence on this machine. A file that cannot be used is left out with a process
 * warning: presence only ever extends a lease, so losing it is never fatal.
 */
export function loadPresence(ws: Workspace): Presence {
  const agents = new Map<string, AgentPresence>();
  const renewals = new Map<string, PresenceClaim & { agent: string }>();
  const { texts, problems } = readPresenceTexts(ws);
  for (const problem of problems) warnOnce(`presence is ignored where it cannot be read: ${problem}`);
  for (const [agent, text] of texts) {
    const parsed = parsePresence(agent, text);
    if (typeof parsed === 'string') {
      warnOnce(`the presence file of agent ${agent} is ignored: ${parsed}`);
      continue;
    }
    agents.set(agent, parsed);
    for (const claim of parsed.claims) renewals.set(claim.task, { ...claim, agent });
  }
  return { agents, renewals };
}

/**
 * When a claim's lease ends: the later of the task file's `claim.expiresAt` and this machine's
 * renewal of the same claim (same agent and token). Undefined for a task without a claim.
 */
export function claimExpiry(task: LeasedTask, presence: Presence = NO_PRESENCE): string | undefined {
  const claim = task.claim;
  if (!claim) return undefined;
  const renewal = presence.renewals.get(task.id);
  if (!renewal || renewal.agent !== claim.agent || renewal.token !== claim.token) return claim.expiresAt;
  return Date.parse(renewal.expiresAt) > Date.parse(claim.expiresAt) ? renewal.expiresAt : claim.expiresAt;
}

/** The task with its claim's effective expiry (see claimExpiry), for readers that show or judge it. */
export function withPresence<T extends LeasedTask>(task: T, presence: Presence): T {
  const expiresAt = claimExpiry(task, presence);
  if (!task.claim || expiresAt === task.claim.expiresAt) return task;
  return { ...task, claim: { ...task.claim, expiresAt } };
}

/** Every task of a board with its claim's effective expiry. */
export function applyPresence<T extends LeasedTask>(
  tasks: ReadonlyMap<string, T>,
  presence: Presence,
): ReadonlyMap<string, T> {
  if (presence.renewals.size === 0) return tasks;
  return new Map([...tasks].map(([id, task]) => [id, withPresence(task, presence)]));
}

/** When an agent was last heard from: its record's `lastSeen` or its presence here, whichever is later. */
export function lastSeenOf(agent: { id: string; lastSeen: string }, presence: Presence): string {
  const here = presence.agents.get(agent.id)?.lastSeen;
  return here !== undefined && Date.parse(here) > Date.parse(agent.lastSeen) ? here : agent.lastSeen;
}

export interface RecordPresenceOptions {
  /** Keep the agent's other recorded renewals (a single claim renewed); by default they are replaced. */
  keepOthers?: boolean;
}

/** Writes an agent's presence: seen at `now`, with these renewals. Changes no committed file. */
export function recordPresence(
  ws: Workspace,
  agent: string,
  now: Date,
  claims: readonly PresenceClaim[],
  options: RecordPresenceOptions = {},
): AgentPresence {
  const previous = options.keepOthers ? loadPresence(ws).agents.get(agent)?.claims : undefined;
  const renewed = new Set(claims.map((c) => c.task));
  const kept = (previous ?? []).filter((c) => !renewed.has(c.task));
  const value: AgentPresence = {
    v: 1,
    agent,
    lastSeen: now.toISOString(),
    claims: [...kept, ...claims].map((c) => ({ task: c.task, token: c.token, expiresAt: c.expiresAt })),
  };
  writePresenceFile(ws, agent, value);
  return value;
}
