import { join } from 'node:path';
import { type BoardSettings, loadBoardSettings } from '../config/index.js';
import { OrcError, notFound, quote } from '../shared/index.js';
import { listRecords, readRecordIn } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import { checkName } from '../shared/index.js';
import { type Agent, checkTags, validateAgent } from '../records/index.js';
import type { Workspace } from '../storage/index.js';
import { compareText } from '../shared/index.js';
import { lastSeenOf, loadPresence } from './presence.js';

export type { Agent } from '../records/index.js';

/** An agent as listed: `live` while it has been heard from within `board.stale_after`. */
export interface AgentView extends Agent {
  state: 'live' | 'stale';
}

export interface RegisterAgentInput {
  id: string;
  role?: string;
  capabilities?: string[];
}

export const agentFile = (ws: Workspace, id: string) => join(ws.agentsDir, `${id}.json`);

function ordered(a: Agent): Agent {
  return {
    v: 1,
    id: a.id,
    role: a.role,
    capabilities: a.capabilities,
    registeredAt: a.registeredAt,
    lastSeen: a.lastSeen,
  };
}

export function requireAgent(m: Mutation, id: string): Agent {
  checkName('agent', id);
  const agent = readRecordIn(m, 'agent', id);
  if (agent === undefined)
    throw notFound(`agent ${quote(id)} is not registered: run \`orc a register ${id}\``);
  return agent;
}

/** Registers an agent, or updates its role and capabilities if it is registered already. */
export async function registerAgent(ws: Workspace, input: RegisterAgentInput, options: ActorOptions = {}) {
  const id = checkName('agent', input.id);
  const role = input.role ?? 'worker';
  if (typeof role !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/.test(role)) {
    throw new OrcError(
      'INVALID_INPUT',
      `role ${quote(role)} must be 1 to 40 letters, digits, spaces or . _ -`,
    );
  }
  const capabilities = checkTags(input.capabilities ?? []);
  return mutate(ws, { actor: options.actor ?? id, now: options.now }, (m) => {
    const label = `state/agents/${id}.json`;
    const existing = m.readJson<unknown>(agentFile(ws, id), label);
    const previous = existing === undefined ? undefined : validateAgent(existing, label);
    const agent = ordered({
      v: 1,
      id,
      role,
      capabilities,
      registeredAt: previous?.registeredAt ?? m.nowIso,
      lastSeen: m.nowIso,
    });
    m.writeJson(agentFile(ws, id), agent);
    m.emit(previous ? 'agent.updated' : 'agent.registered', id, { role, capabilities });
    return agent;
  });
}

/**
 * Marks the agent as seen at a claim, unless its record says it was seen within a tenth of
 * `stale_after` (a minute by default): the record only needs to tell live from stale, and rewriting a
 * committed file at every claim costs the workspace lock a replaced file each time (the slowest write
 * there is on a filesystem that flushes on rename) and git a change per claim.
 */
export function noteAgentActive(m: Mutation, agent: Agent): Agent {
  const seen = Date.parse(agent.lastSeen);
  const resolution = loadBoardSettings(m.ws).staleAfterMs / 10;
  const age = m.now.getTime() - seen;
  if (Number.isFinite(seen) && age >= 0 && age < resolution) return agent;
  return touchAgent(m, agent);
}

/** Marks the agent as seen now (or at `at`), inside a mutation (claims, folds of presence). */
export function touchAgent(m: Mutation, agent: Agent, at = m.nowIso): Agent {
  const next = ordered({ ...agent, lastSeen: at });
  m.writeJson(agentFile(m.ws, agent.id), next);
  return next;
}

export function viewAgent(agent: Agent, board: BoardSettings, now = Date.now()): AgentView {
  const live = now - Date.parse(agent.lastSeen) <= board.staleAfterMs;
  return { ...agent, state: live ? 'live' : 'stale' };
}

/** Every agent, live or stale as of `now` (default: the clock); heartbeats on this machine count. */
export function listAgents(ws: Workspace, options: { now?: Date } = {}): AgentView[] {
  const board = loadBoardSettings(ws);
  const now = (options.now ?? new Date()).getTime();
  const presence = loadPresence(ws);
  return listRecords(ws, 'agent')
    .map((agent) => viewAgent({ ...agent, lastSeen: lastSeenOf(agent, presence) }, board, now))
    .sort((a, b) => compareText(a.id, b.id));
}

export function getAgent(ws: Workspace, id: string, options: { now?: Date } = {}): AgentView {
  checkName('agent', id);
  const found = listAgents(ws, options).find((a) => a.id === id);
  if (!found) throw notFound(`agent ${quote(id)} is not registered`);
  return found;
}
