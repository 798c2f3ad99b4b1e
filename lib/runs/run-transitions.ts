import {
  type Run,
  type RunStep,
  type StepGate,
  TERMINAL_RUN,
  copyRun,
  dependentsOf,
  editStep,
  findStep,
  firstOpenStep,
  hasBeforeGates,
  deriveRunStatus,
  isStartable,
  stepOutputPath,
} from '../records/index.js';
import { notFound, quote } from '../shared/index.js';
import { oneLine } from './run-board.js';

/*
 * How a run moves, as pure functions of the run, what happened and the time: each returns the run
 * after the transition (the run given is left as it was), the events to record and the steps whose
 * board tasks follow. The mutations in runs.ts read the run, apply one of these and write the result.
 */

/** Outputs longer than this go to a side file next to the run; the run keeps their start. */
export const INLINE_OUTPUT_LIMIT = 8_000;

/** An event a transition calls for; the mutation that applies the transition records it. */
export interface RunEvent {
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

/** An output too long to keep in the run file: its path (relative to the workspace) and text. */
export interface OutputFile {
  path: string;
  text: string;
}

/** The outcome of a transition. */
export interface RunTransition {
  run: Run;
  events: RunEvent[];
  /** Steps whose status changed (their board tasks are mirrored); none means nothing to write. */
  changed: RunStep[];
  /** Side files of long outputs, written with the run. */
  files: OutputFile[];
}

/** How a running step ended: with an output, or with an error (after its retries). */
export type StepOutcome = { step: string; output: string } | { step: string; error: string };

const subjectOf = (run: Run, step: RunStep) => `${run.id}/${step.id}`;

export function stepOf(run: Run, stepId: string): RunStep {
  const step = findStep(run, stepId);
  if (!step) throw notFound(`run ${run.id} has no step ${quote(stepId)}`);
  return step;
}

/** The step to change in a run from copyRun: a copy put in its place (NOT_FOUND for an unknown id). */
function changeStep(run: Run, stepId: string): RunStep {
  stepOf(run, stepId);
  return editStep(run, stepId)!;
}

/**
 * The gate a step waiting for approval waits at: its `before` gate until it has run, then its `after`
 * gate (see RunStep.afterGate). Undefined when it has no gate for that moment.
 */
export function waitingGate(step: RunStep): { gate: StepGate; when: 'before' | 'after' } | undefined {
  if (step.output === null && step.gate?.mode === 'before') return { gate: step.gate, when: 'before' };
  const after = step.afterGate ?? (step.gate?.mode === 'after' ? step.gate : null);
  return after ? { gate: after, when: 'after' } : undefined;
}

/**
 * After a change: the status that follows from the steps, `updatedAt`, `endedAt` when the run has
 * ended, and the `run.<status>` event when the status changed. Updates `run` in place.
 */
export function refreshRunStatus(run: Run, now: Date): RunEvent | undefined {
  const before = run.status;
  run.status = deriveRunStatus(run);
  run.updatedAt = now.toISOString();
  if (TERMINAL_RUN.has(run.status) && !run.endedAt) run.endedAt = run.updatedAt;
  return run.status === before
    ? undefined
    : { type: `run.${run.status}`, subject: run.id, data: { from: before } };
}

/**
 * Skips every step that waits on `step`, which has failed or was rejected. Updates `run`'s steps array
 * in place, putting the skipped steps there as changed copies (the step objects given are not changed).
 */
export function skipDependentSteps(run: Run, step: RunStep): { skipped: RunStep[]; events: RunEvent[] } {
  const skipped = dependentsOf(run, step.id)
    .filter((s) => s.status === 'pending' || s.status === 'waiting_approval')
    .map((s) => {
      const copy = editStep(run, s.id)!;
      copy.status = 'skipped';
      copy.error = `skipped: ${step.id} ${step.status}`;
      return copy;
    });
  const events = skipped.map((s) => ({
    type: 'run.step_skipped',
    subject: subjectOf(run, s),
    data: { because: step.id },
  }));
  return { skipped, events };
}

function concluded(run: Run, events: RunEvent[], changed: RunStep[], files: OutputFile[], now: Date) {
  if (changed.length === 0) return { run, events, changed, files };
  const status = refreshRunStatus(run, now);
  return { run, events: status ? [...events, status] : events, changed, files };
}

function keepOutput(run: Run, step: RunStep, output: string): OutputFile | undefined {
  if (output.length <= INLINE_OUTPUT_LIMIT) {
    step.output = output;
    step.outputFile = null;
    return undefined;
  }
  const path = stepOutputPath(run.id, step.id);
  step.output = `${output.slice(0, 2000)}\n… (${output.length} characters in all: ${path})`;
  step.outputFile = path;
  return { path, text: output };
}

/**
 * How running steps ended: an output makes a step done (or holds it for review behind an `after`
 * gate, also when the step passed a `before` gate to start); an error fails it and skips every step that depends on it. Steps no longer running
 * (cancelled meanwhile) are left as they are.
 */
export function applyStepOutcomes(run: Run, outcomes: readonly StepOutcome[], now: Date): RunTransition {
  const next = copyRun(run);
  const events: RunEvent[] = [];
  const changed: RunStep[] = [];
  const files: OutputFile[] = [];
  for (const outcome of outcomes) {
    if (stepOf(next, outcome.step).status !== 'running') continue;
    const step = changeStep(next, outcome.step);
    step.endedAt = now.toISOString();
    changed.push(step);
    if ('error' in outcome) {
      step.status = 'failed';
      step.error = outcome.error;
      events.push({
        type: 'run.step_failed',
        subject: subjectOf(next, step),
        data: { agent: step.agent, error: oneLine(outcome.error, 300) },
      });
      const { skipped, events: skips } = skipDependentSteps(next, step);
      changed.push(...skipped);
      events.push(...skips);
      continue;
    }
    const file = keepOutput(next, step, outcome.output);
    if (file) files.push(file);
    const after = step.afterGate ?? (step.gate?.mode === 'after' ? step.gate : null);
    if (after) {
      step.status = 'waiting_approval';
      events.push({
        type: 'run.step_waiting',
        subject: subjectOf(next, step),
        data: { gate: after, when: 'after' },
      });
    } else {
      step.status = 'done';
      events.push({
        type: 'run.step_done',
        subject: subjectOf(next, step),
        data: { agent: step.agent, chars: outcome.output.length },
      });
    }
  }
  return concluded(next, events, changed, files, now);
}

/** One step's outcome: see applyStepOutcomes. */
export function applyStepOutcome(run: Run, outcome: StepOutcome, now: Date): RunTransition {
  return applyStepOutcomes(run, [outcome], now);
}

/**
 * Marks startable steps running, or waiting for approval behind a `before` gate not yet approved.
 * `started` are the steps the caller should run now. Nothing starts in a cancelled run.
 */
export function startRunSteps(
  run: Run,
  stepIds: readonly string[],
  now: Date,
): RunTransition & { started: RunStep[] } {
  const next = copyRun(run);
  const events: RunEvent[] = [];
  const changed: RunStep[] = [];
  const started: RunStep[] = [];
  for (const stepId of stepIds) {
    if (next.status === 'cancelled' || !isStartable(next, stepOf(next, stepId))) continue;
    const step = changeStep(next, stepId);
    changed.push(step);
    if (step.gate?.mode === 'before' && step.decision?.decision !== 'approved') {
      step.status = 'waiting_approval';
      events.push({
        type: 'run.step_waiting',
        subject: subjectOf(next, step),
        data: { gate: step.gate, when: 'before' },
      });
      continue;
    }
    step.status = 'running';
    step.attempts++;
    step.startedAt = now.toISOString();
    step.error = null;
    events.push({
      type: 'run.step_started',
      subject: subjectOf(next, step),
      data: { agent: step.agent, attempt: step.attempts },
    });
    started.push(step);
  }
  return { ...concluded(next, events, changed, [], now), started };
}

/** A step left running by a runner that died goes back to pending, to run again (at-least-once). */
export function requeueRunStep(run: Run, stepId: string, now: Date): RunTransition {
  const next = copyRun(run);
  if (stepOf(next, stepId).status !== 'running') return { run: next, events: [], changed: [], files: [] };
  const step = changeStep(next, stepId);
  step.status = 'pending';
  const event = {
    type: 'run.step_requeued',
    subject: subjectOf(next, step),
    data: { attempt: step.attempts, reason: 'its runner stopped mid-step' },
  };
  return concluded(next, [event], [step], [], now);
}

/**
 * The steps a runner starts now (pure), given the ones it is running: every startable step waiting
 * at a `before` gate (they take no slot), then the others up to the run's concurrency.
 */
export function stepsToStart(run: Run, active: ReadonlySet<string>): RunStep[] {
  const slots = Math.max(0, run.concurrency - active.size);
  // Without `before` gates nothing takes no slot: the pass stops once the free slots are filled.
  const gated = hasBeforeGates(run);
  const held: RunStep[] = [];
  const free: RunStep[] = [];
  for (let i = firstOpenStep(run); i < run.steps.length; i++) {
    if (!gated && free.length >= slots) break;
    const s = run.steps[i]!;
    if (active.has(s.id) || !isStartable(run, s)) continue;
    if (s.gate?.mode === 'before' && s.decision?.decision !== 'approved') held.push(s);
    else if (free.length < slots) free.push(s);
  }
  return [...held, ...free];
}
