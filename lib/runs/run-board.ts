import { randomBytes } from 'node:crypto';
import type { Mutation } from '../storage/index.js';
import type { Run, RunStep } from '../records/index.js';
import type { Task } from '../records/index.js';
import { newTask } from '../board/index.js';

/*
 * How runs appear on the task board: a workstream `run-<id>` with a task per step, mirrored as the
 * steps move, so `orc status` and `orc t list` show runs and external agents can take their steps.
 */

/** The board agent that holds the tasks of command and LLM steps while the runner works them. */
export const RUNNER_AGENT = 'orc-runner';

export const boardStream = (runId: string) => `run-${runId.slice(2)}`;

export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function boardTaskFor(m: Mutation, run: Run, step: RunStep, deps: string[]): Task {
  return newTask(m, {
    id: step.boardTask!,
    workstream: boardStream(run.id),
    title: oneLine(`${step.id}: ${step.task}`, 200),
    description: `Step ${step.id} of run ${run.id} (agent ${step.agent}).\n\nThe run's task: ${run.task}\n\nThis step: ${step.task}`,
    priority: 3,
    // Held for the runner until it starts the step; an external step is then handed to its agent.
    tags: ['run', `for:${RUNNER_AGENT}`],
    deps,
  });
}

/** Reflects a step's status on its board task, so `orc status` and `orc t list` show runs. */
export function mirror(m: Mutation, step: RunStep): void {
  if (!step.boardTask) return;
  const task = m.readTask(step.boardTask);
  if (!task) return;
  const cut = (text: string | null) =>
    text === null ? null : text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
  let next: Task | undefined;
  if (step.status === 'running' && step.kind === 'external' && !task.tags.includes(`for:${step.agent}`)) {
    next = { ...task, tags: ['run', `for:${step.agent}`] };
  } else if (step.status === 'running' && step.kind !== 'external' && task.status !== 'claimed') {
    const claim = {
      agent: RUNNER_AGENT,
      token: randomBytes(9).toString('base64url'),
      claimedAt: m.nowIso,
      expiresAt: new Date(m.now.getTime() + 7 * 86_400_000).toISOString(),
    };
    next = { ...task, status: 'claimed', claim, attempts: task.attempts + 1 };
  } else if (step.status === 'done' && task.status !== 'done') {
    next = { ...task, status: 'done', claim: null, result: cut(step.output) };
  } else if ((step.status === 'failed' || step.status === 'rejected') && task.status !== 'failed') {
    next = { ...task, status: 'failed', claim: null, reason: cut(step.error) };
  } else if (
    (step.status === 'skipped' || step.status === 'cancelled') &&
    task.status !== 'cancelled' &&
    task.status !== 'done'
  ) {
    next = { ...task, status: 'cancelled', claim: null, reason: step.status };
  } else if (step.status === 'pending' && task.status === 'claimed' && step.kind !== 'external') {
    next = { ...task, status: 'open', claim: null };
  }
  if (next) m.writeTask(next);
}
