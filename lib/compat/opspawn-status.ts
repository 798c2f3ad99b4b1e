import type { StatusSummary } from '../board/index.js';

/**
 * The seed's `statusText()` layout (workstreams, agents, locks, recent events) filled from orc's status
 * summary: a pure function of it, so scripts that print or grep it keep working.
 */
export function renderStatusText(status: StatusSummary): string {
  const lines = [
    '=== orc status (OpSpawn compatible) ===',
    `Workspace: ${status.root}`,
    '',
    '--- Workstreams ---',
  ];
  for (const w of status.workstreams) {
    const c = w.counts;
    lines.push(`[P${w.priority}] ${w.name}: ${c.open} pending, ${c.claimed} active, ${c.done} done`);
  }
  if (status.workstreams.length === 0) lines.push('(none)');
  lines.push('', '--- Agents ---');
  for (const a of status.agents)
    lines.push(`${a.id} (${a.role}): ${a.state === 'stale' ? 'active [STALE]' : 'active'}`);
  if (status.agents.length === 0) lines.push('(none registered)');
  lines.push('', '--- Active Locks ---');
  for (const lock of status.locks) lines.push(`${lock.resource}: held by ${lock.owner}`);
  if (status.locks.length === 0) lines.push('(none)');
  lines.push('', '--- Recent Events ---');
  for (const e of status.recentEvents) {
    const time = e.ts.slice(11, 19);
    lines.push(`[${time}] ${e.actor}: ${e.type}${e.subject ? ` ${e.subject}` : ''}`);
  }
  if (status.recentEvents.length === 0) lines.push('(none)');
  return lines.join('\n');
}
