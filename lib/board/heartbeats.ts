import { checkDurationMs, checkName, notFound, quote } from '../shared/index.js';
import { loadBoardSettings } from '../config/index.js';
import { type ActorOptions, loadSummary, mutate, readRecord, readRecordIn } from '../storage/index.js';
import { touchAgent } from './agents.js';
import type { Workspace } from '../storage/index.js';
import type { ClaimOptions } from './claims.js';
import { type PresenceClaim, loadPresence, recordPresence } from './presence.js';
import { isClaimLive } from './tasks.js';

export interface HeartbeatResult {
  agent: string;
  lastSeen: string;
  /** Tasks whose leases were extended. */
  renewed: Array<{ id: string; expiresAt: string }>;
  /** Claims of this agent that a git merge gave to another (reported once). */
  lost: Array<{ id: string; lostTo: string }>;
}

/**
 * Marks the agent live and extends the lease of every task it holds, on this machine only: no committed
 * file changes and no event is appended (see presence.ts; `orc sync` carries renewals to other
 * machines). Claims a git merge took from the agent are reported once, which does write their tasks.
 */
export async function heartbeatAgent(
  ws: Workspace,
  agentId: string,
  options: ClaimOptions = {},
): Promise<HeartbeatResult> {
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).claimTtlMs;
  checkName('agent', agentId);
  if (readRecord(ws, 'agent', agentId) === undefined)
    throw notFound(`agent ${quote(agentId)} is not registered: run \`orc a register ${agentId}\``);
  const now = options.now ?? new Date();
  // The summary holds every claimed task and every lost claim: the board's size does not matter.
  const summary = await loadSummary(ws);
  const hasLost = [...summary.lost.values()].some((t) => t.lost.includes(agentId));
  const lost = hasLost ? await reportLostClaims(ws, agentId, options) : [];
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const renewals: PresenceClaim[] = [];
  for (const task of summary.claimed.values()) {
    if (task.status === 'claimed' && task.claim?.agent === agentId)
      renewals.push({ task: task.id, token: task.claim.token, expiresAt });
  }
  const presence = recordPresence(ws, agentId, now, renewals);
  return {
    agent: agentId,
    lastSeen: presence.lastSeen,
    renewed: renewals.map((r) => ({ id: r.task, expiresAt: r.expiresAt })),
    lost,
  };
}

/** Clears, and returns, the claims a git merge took from the agent (it is told once). */
function reportLostClaims(ws: Workspace, agentId: string, options: ActorOptions) {
  return mutate(ws, { actor: options.actor ?? agentId, now: options.now }, (m) => {
    const lost: HeartbeatResult['lost'] = [];
    for (const entry of [...m.summary().lost.values()]) {
      if (!entry.lost.includes(agentId)) continue;
      const task = m.getTask(entry.id);
      const mine = task.lost?.filter((l) => l.agent === agentId) ?? [];
      if (mine.length === 0) continue;
      for (const l of mine) lost.push({ id: task.id, lostTo: l.lostTo });
      m.writeTask({ ...task, lost: task.lost!.filter((l) => l.agent !== agentId) });
      m.emit('task.claim_lost', task.id, { agent: agentId, lostTo: mine[0]!.lostTo });
    }
    return lost;
  });
}

/** A claim whose renewal on this machine `foldPresence` wrote into its task file. */
export interface FoldedRenewal {
  id: string;
  agent: string;
  expiresAt: string;
}

/**
 * Writes into each task file the renewal this machine recorded for its live claim (same agent and
 * token, later than the file's expiry), so that committing the board carries the lease to other
 * machines: one mutation, one `task.renewed` event (with `folded: true`) per changed task. Claims that
 * ran out stay as they are (a fold never revives a lease). Each agent's record takes its last-seen
 * time from here when that is later (no event: it is presence, not a change of state). `orc sync`
 * calls it first.
 */
export async function foldPresence(ws: Workspace, options: ActorOptions = {}): Promise<FoldedRenewal[]> {
  const presence = loadPresence(ws);
  if (presence.agents.size === 0) return [];
  return mutate(ws, options, (m) => {
    for (const seen of presence.agents.values()) {
      const agent = readRecordIn(m, 'agent', seen.agent);
      if (agent && Date.parse(seen.lastSeen) > Date.parse(agent.lastSeen))
        touchAgent(m, agent, seen.lastSeen);
    }
    const folded: FoldedRenewal[] = [];
    const claimed = new Map(m.summary().claimed);
    for (const [id, renewal] of presence.renewals) {
      const entry = claimed.get(id);
      const claim = entry?.claim;
      if (!entry || !claim || claim.agent !== renewal.agent || claim.token !== renewal.token) continue;
      if (!isClaimLive(entry, m.now.getTime(), presence)) continue;
      if (Date.parse(renewal.expiresAt) <= Date.parse(claim.expiresAt)) continue;
      const task = m.getTask(id);
      m.writeTask({ ...task, claim: { ...task.claim!, expiresAt: renewal.expiresAt } });
      m.emit('task.renewed', id, { agent: renewal.agent, expiresAt: renewal.expiresAt, folded: true });
      folded.push({ id, agent: renewal.agent, expiresAt: renewal.expiresAt });
    }
    return folded;
  });
}
