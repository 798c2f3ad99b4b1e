import { type AgentView, listAgents } from './agents.js';
import { type OrcEvent, readEvents } from '../storage/index.js';
import { type Lock, listLocks } from './locks.js';
import { claimedTitles, loadSummary, readRecords } from '../storage/index.js';
import { TASK_STATUSES, type TaskStatus } from '../records/index.js';
import { isClaimLive } from './tasks.js';
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
  /** The claims, soonest to expire first: every one, or the first `claims` asked for. */
  claims: ClaimSummary[];
  /** How many claims there are in all (more than `claims` lists when a limit was asked). */
  claimCount: number;
  recentEvents: OrcEvent[];
  corruptEventLines: number;
}

export async function statusSummary(
  ws: Workspace,
  options: { recent?: number; now?: Date; claims?: number } = {},
): Promise<StatusSummary> {
  // The summary holds the counts, the claims and the dependencies that decide readiness: the board's
  // size does not matter, only the claimed tasks are read (for their titles).
  const summary = await loadSummary(ws);
  const streams = listWorkstreams(ws);
  const active = new Set(streams.filter((w) => w.status === 'active').map((w) => w.name));
  const now = (options.now ?? new Date()).getTime();
  const counts = new Map<string, WorkstreamSummary['counts']>();
  for (const w of streams) {
    const stored = summary.counts.get(w.name);
    counts.set(w.name, {
      ...(Object.fromEntries(TASK_STATUSES.map((s) => [s, stored?.[s] ?? 0])) as Record<TaskStatus, number>),
      ready: active.has(w.name) ? (stored?.open ?? 0) : 0,
    });
  }
  const depsDone = (deps: readonly string[]) => deps.every((d) => summary.depStatus.get(d) === 'done');
  // Open tasks are ready unless a dependency is not done; a claim whose lease ran out is ready again.
  for (const entry of summary.waiting.values()) {
    const c = counts.get(entry.workstream);
    if (c && active.has(entry.workstream) && entry.status === 'open' && !depsDone(entry.deps)) c.ready--;
  }
  const claims: ClaimSummary[] = [];
  const presence = loadPresence(ws);
  for (const entry of summary.claimed.values()) {
    const task = withPresence(entry, presence);
    const expired = !isClaimLive(task, now);
    const c = counts.get(task.workstream);
    if (c && expired && active.has(task.workstream) && depsDone(task.deps)) c.ready++;
    claims.push({
      task: task.id,
      title: '',
      agent: task.claim!.agent,
      expiresAt: task.claim!.expiresAt,
      expired,
    });
  }
  claims.sort((a, b) => compareText(a.expiresAt, b.expiresAt));
  const listed = options.claims === undefined ? claims : claims.slice(0, options.claims);
  // Every claim listed with its task's title: at thousands, from a cache (read again for the tasks
  // written since); a few are read from their files.
  if (listed.length === claims.length) {
    const titles = claimedTitles(ws, summary);
    for (const cl of listed) cl.title = titles.get(cl.task) ?? '';
  } else {
    const tasks = readRecords(
      ws,
      'task',
      listed.map((cl) => cl.task),
    );
    for (const cl of listed) cl.title = tasks.get(cl.task)?.title ?? '';
  }
  const events = readEvents(ws, { last: options.recent ?? 10 });
  return {
    root: ws.root,
    workstreams: streams.map((w) => ({ ...w, counts: counts.get(w.name)! })),
    agents: listAgents(ws, options),
    locks: listLocks(ws, options),
    claims: listed,
    claimCount: claims.length,
    recentEvents: events.events,
    corruptEventLines: events.corrupt.length,
  };
}
