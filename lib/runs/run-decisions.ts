import { OrcError, checkText, invalidInput } from '../shared/index.js';
import { type ActorOptions, mutate } from '../storage/index.js';
import { type Run, type RunStep, TERMINAL_RUN } from '../records/index.js';
import { readRun, resolveRunId, saveRun, skipDependents } from './runs.js';
import { stepOf, waitingGate } from './run-transitions.js';
import type { Workspace } from '../storage/index.js';

export interface DecisionOptions extends ActorOptions {
  note?: string;
}

/** Which gate a decision was on, in its event: reflection tallies a rule's decisions from these. */
const gateFields = (waiting: ReturnType<typeof waitingGate>) =>
  waiting ? { when: waiting.when, ...(waiting.gate.rule ? { rule: waiting.gate.rule } : {}) } : {};

function waitingStep(run: Run, stepId: string | undefined): RunStep {
  if (stepId !== undefined) {
    const step = stepOf(run, stepId);
    if (step.status !== 'waiting_approval') {
      const by = step.decision ? ` (${step.decision.decision} by ${step.decision.by})` : '';
      throw new OrcError(
        'CONFLICT',
        `step ${step.id} of run ${run.id} is ${step.status}, not waiting for approval${by}`,
      );
    }
    return step;
  }
  const waiting = run.steps.filter((s) => s.status === 'waiting_approval');
  if (waiting.length === 1) return waiting[0]!;
  if (waiting.length === 0) throw new OrcError('CONFLICT', `run ${run.id} has no step waiting for approval`);
  throw invalidInput(
    `run ${run.id} has ${waiting.length} steps waiting (${waiting.map((s) => s.id).join(', ')}): name one`,
  );
}

/**
 * Approves a waiting gate. Exactly one of two simultaneous approvals succeeds; the other gets
 * CONFLICT, so a step never runs twice because of it.
 */
export async function approveStep(
  ws: Workspace,
  runRef: string,
  stepId: string | undefined,
  options: DecisionOptions = {},
) {
  if (options.note !== undefined) checkText('note', options.note);
  const runId = resolveRunId(ws, runRef);
  return mutate(ws, options, (m) => {
    const run = readRun(m, runId);
    const step = waitingStep(run, stepId);
    const waiting = waitingGate(step);
    step.decision = { decision: 'approved', by: m.actor, at: m.nowIso, note: options.note ?? null };
    // A `before` gate lets the step start; an `after` gate accepts its held output.
    step.status = waiting?.when === 'before' ? 'pending' : 'done';
    m.emit('run.step_approved', `${run.id}/${step.id}`, {
      by: m.actor,
      note: options.note ?? null,
      ...gateFields(waiting),
    });
    return { run: saveRun(m, run, [step]), step };
  });
}

export async function rejectStep(
  ws: Workspace,
  runRef: string,
  stepId: string | undefined,
  options: DecisionOptions,
) {
  if (!options.note || options.note.trim() === '')
    throw invalidInput('note must say why: a rejection needs a reason', { field: 'note' });
  checkText('note', options.note);
  const runId = resolveRunId(ws, runRef);
  return mutate(ws, options, (m) => {
    const run = readRun(m, runId);
    const step = waitingStep(run, stepId);
    const waiting = waitingGate(step);
    step.decision = { decision: 'rejected', by: m.actor, at: m.nowIso, note: options.note! };
    step.status = 'rejected';
    step.error = `rejected by ${m.actor}: ${options.note}`;
    m.emit('run.step_rejected', `${run.id}/${step.id}`, {
      agent: step.agent,
      by: m.actor,
      reason: options.note,
      ...gateFields(waiting),
    });
    return { run: saveRun(m, run, [step, ...skipDependents(m, run, step)]), step };
  });
}

/** Cancels a run: steps not finished are cancelled; its runner stops the running ones. */
export async function cancelRun(
  ws: Workspace,
  runRef: string,
  options: ActorOptions & { reason?: string } = {},
) {
  const runId = resolveRunId(ws, runRef);
  return mutate(ws, options, (m) => {
    const run = readRun(m, runId);
    if (TERMINAL_RUN.has(run.status))
      throw new OrcError('CONFLICT', `run ${run.id} is ${run.status} already`);
    const changed = run.steps.filter((s) => !['done', 'failed', 'rejected', 'skipped'].includes(s.status));
    for (const step of changed) {
      step.status = 'cancelled';
      step.endedAt ??= m.nowIso;
    }
    run.status = 'cancelled';
    m.emit('run.cancel_requested', run.id, { reason: options.reason ?? null });
    run.endedAt = m.nowIso;
    return saveRun(m, run, changed);
  });
}
