import { type AgentView, listAgents } from './agents.js';
import { type OrcEvent, readEvents } from '../storage/index.js';
import { type Lock, listLocks } from './locks.js';
import { loadTasks } from '../storage/index.js';
import { TASK_STATUSES, type TaskStatus } from '../records/index.js';
import { isClaimLive, isReady } from './tasks.js';
import { loadPresence, withPresence } from './presence.js';
import { type Workstream, listWorkstreams } from './workstreams.js';
import type { Workspace } from '../storage/index.js';
import { compareText } from '../shared/index.js';

export interface WorkstreamSummary extends Workstream {
  counts: Record<TaskStatus | 'ready', number>;
}

export interface ClaimSummary {
  task: string;
  title: string;
  agent: string;
  expiresAt: string;
  expired: boolean;
}

/** What `orc status` shows: the whole board at a glance. */
export interface StatusSummary {
  root: string;
  workstreams: WorkstreamSummary[];
  agents: AgentView[];
  locks: Lock[];
  claims: ClaimSummary[];
  recentEvents: OrcEvent[];
  corruptEventLines: number;
}

export async function statusSummary(
  ws: Workspace,
  options: { recent?: number; now?: Date } = {},
): Promise<StatusSummary> {
  const tasks = await loadTasks(ws);
  const streams = listWorkstreams(ws);
  const active = new Set(streams.filter((w) => w.status === 'active').map((w) => w.name));
  const now = (options.now ?? new Date()).getTime();
  const counts = new Map<string, WorkstreamSummary['counts']>();
  for (const w of streams) {
    counts.set(
      w.name,
      Object.fromEntries([...TASK_STATUSES, 'ready'].map((s) => [s, 0])) as WorkstreamSummary['counts'],
    );
  }
  const claims: ClaimSummary[] = [];
  const presence = loadPresence(ws);
  for (const stored of tasks.values()) {
    const task = withPresence(stored, presence);
    const c = counts.get(task.workstream);
    if (c) {
      c[task.status]++;
      if (isReady(task, tasks, active, now)) c.ready++;
    }
    if (task.status === 'claimed' && task.claim) {
      claims.push({
        task: task.id,
        title: task.title,
        agent: task.claim.agent,
        expiresAt: task.claim.expiresAt,
        expired: !isClaimLive(task, now),
      });
    }
  }
  const events = readEvents(ws, { last: options.recent ?? 10 });
  return {
    root: ws.root,
    workstreams: streams.map((w) => ({ ...w, counts: counts.get(w.name)! })),
    agents: listAgents(ws, options),
    locks: listLocks(ws, options),
    claims: claims.sort((a, b) => compareText(a.expiresAt, b.expiresAt)),
    recentEvents: events.events,
    corruptEventLines: events.corrupt.length,
  };
}
