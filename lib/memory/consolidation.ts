import { join } from 'node:path';
import { entryKind, mutate, workspaceRelative } from '../storage/index.js';
import type { OrchestratorConfig } from '../config/index.js';
import type { Run } from '../records/index.js';
import { stepOutput } from '../runs/index.js';
import { pruneMemories } from './memory.js';
import type { Workspace } from '../storage/index.js';

/** Where a run's note goes: `knowledge/runs/<run id>.md`. */
export const runNotePath = (ws: Workspace, runId: string) => join(ws.runNotesDir, `${runId}.md`);

function keyLines(text: string, max = 4): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const picked = lines.length <= max ? lines : [...lines.slice(0, max - 1), '…', lines.at(-1)!];
  return picked.map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l));
}

/** The offline summary: the task, the plan, each step's outcome and the key lines of its output. */
export function extractiveSummary(ws: Workspace, run: Run): string {
  const parts = [
    `# ${run.task}`,
    '',
    `Planned by ${run.plan.source}${run.plan.flow ? ` (flow ${run.plan.flow})` : ''}; ${run.status}.`,
    '',
    '## Steps',
  ];
  for (const step of run.steps) {
    parts.push('', `### ${step.id} (${step.agent}): ${step.status}`, step.task);
    const lines = keyLines(stepOutput(ws, step));
    if (lines.length > 0) parts.push('', ...lines.map((l) => `> ${l}`));
    if (step.decision)
      parts.push(
        '',
        `${step.decision.decision} by ${step.decision.by}${step.decision.note ? `: ${step.decision.note}` : ''}`,
      );
  }
  return parts.join('\n');
}

function frontMatter(run: Run, summarisedBy: string): string {
  const agents = [...new Set(run.steps.map((s) => s.agent))];
  const title = run.task.replace(/\s+/g, ' ').slice(0, 120);
  return [
    '---',
    `title: ${JSON.stringify(`Run ${run.id}: ${title}`)}`,
    `tags: [run, ${agents.join(', ')}]`,
    'author: orc',
    // The full time, not the day: a note written a minute ago is a minute old to the forgetting curve.
    `updated: ${run.endedAt ?? run.updatedAt}`,
    `run: ${run.id}`,
    `summarised_by: ${summarisedBy}`,
    '---',
    '',
  ].join('\n');
}

export interface ConsolidationResult {
  path: string;
  summarisedBy: 'llm' | 'extractive';
  /** Why the LLM was not used, when one is configured but failed. */
  warning?: string;
  /** Run notes archived to keep memory within `memory.budget` (see pruneMemories). */
  archived?: string[];
}

/**
 * Distils a completed run into a knowledge note, by the configured LLM when there is one (falling back
 * to the extractive summary if it fails), else extractively. Writes once per run. With `memory.budget`
 * set, the least relevant notes past the budget are then archived (pruneMemories; never deleted).
 */
export async function consolidateRun(
  ws: Workspace,
  run: Run,
  config: OrchestratorConfig,
  actor = 'orc',
): Promise<ConsolidationResult | undefined> {
  if (run.status !== 'complete') return undefined;
  const path = runNotePath(ws, run.id);
  if (entryKind(ws, path) !== undefined) return undefined;
  const extract = extractiveSummary(ws, run);
  let body = extract;
  let summarisedBy: ConsolidationResult['summarisedBy'] = 'extractive';
  let warning: string | undefined;
  const provider = config.provider ? config.providers[config.provider] : undefined;
  if (provider) {
    try {
      const { chatComplete } = await import('../llm/index.js');
      const reply = await chatComplete(provider, [
        {
          role: 'system',
          content:
            'Distil this completed run into a short knowledge note in markdown: what was done, what worked, what to reuse next time.',
        },
        { role: 'user', content: extract },
      ]);
      if (reply.trim()) {
        body = `# ${run.task}\n\n${reply.trim()}`;
        summarisedBy = 'llm';
      }
    } catch (error) {
      warning = `consolidation fell back to the extractive summary: ${(error as Error).message}`;
    }
  }
  await mutate(ws, actor, (m) => {
    if (entryKind(ws, path) !== undefined) return;
    m.writeText(path, `${frontMatter(run, summarisedBy)}${body}\n`);
    m.emit('knowledge.consolidated', run.id, { path: workspaceRelative(ws, path), by: summarisedBy });
  });
  // The forgetting curve without a person: past the budget, the least relevant notes are archived.
  const budget = config.memory?.budget;
  const archived = budget === undefined ? [] : (await pruneMemories(ws, budget, { actor })).archived;
  return { path, summarisedBy, warning, ...(archived.length > 0 ? { archived } : {}) };
}
