import { workstreamCycleView } from '../board/index.js';
import type { Workspace } from '../storage/index.js';
import { cut, knowledgeSection } from './briefs.js';

/** The brief of a workstream: what the current cycle plans in it, and relevant knowledge. */
export interface WorkstreamBrief {
  workstream: string;
  cycle: string | null;
  brief: string;
  knowledge: string[];
}

/**
 * The seed's `brief <ws>`: the current cycle's plan for a workstream (each planned task with its agent,
 * or why it waits; open tasks the cycle did not plan) and relevant knowledge, within `budget`
 * characters. It only reads: no task is claimed and no recall is counted.
 */
export async function renderWorkstreamBrief(
  ws: Workspace,
  name: string,
  options: { budget?: number; invocation?: string; onWarning?: (message: string) => void } = {},
): Promise<WorkstreamBrief> {
  const view = await workstreamCycleView(ws, name);
  const budget = options.budget ?? 8_000;
  const orc = options.invocation ?? 'orc';
  const head = [
    `# Workstream ${view.workstream}${view.description ? `: ${view.description}` : ''}`,
    '',
    view.cycle ? `Cycle ${view.cycle}.` : `No cycle started: \`${orc} cycle plan\` plans one.`,
  ].join('\n');
  const planned = view.planned.map(
    (p) =>
      `- ${p.id} ${p.title} (${p.status}): ${p.waitsFor ? `held back, ${p.waitsFor}` : p.agent ? `for ${p.agent}` : 'no free agent fits'}`,
  );
  const unplanned = view.unplanned.map((t) => `- ${t.id} ${t.title} (priority ${t.priority})`);
  const plan = [
    ...(planned.length > 0 ? ['## Planned this cycle', ...planned] : []),
    ...(unplanned.length > 0 ? ['', '## Open, not in the cycle', ...unplanned] : []),
    '',
    `An agent takes its task with \`${orc} cycle brief <agent>\`.`,
  ].join('\n');
  const left = budget - head.length - plan.length - 4;
  const query = [view.workstream, view.description, ...view.planned.map((p) => p.title)].join('\n');
  const knowledge = await knowledgeSection(ws, query, Math.max(0, left), { onWarning: options.onWarning });
  const brief = cut([head, plan.trim(), knowledge.text].filter(Boolean).join('\n\n'), budget);
  return { workstream: view.workstream, cycle: view.cycle, brief: `${brief}\n`, knowledge: knowledge.names };
}
