import { isName } from '../shared/index.js';
import {
  type Run,
  type RunStep,
  TERMINAL_RUN,
  deriveRunStatus,
  runSchemaParts,
  stepOutputPath,
  validateRun,
} from './run-schema.js';
import { type RecordSchema, invalidRecord, lazySchema, validateRecord } from './validate.js';

/*
 * A run's files in format 2. `state/runs/<id>.json` (the header) holds the run and its plan: each
 * step's id, agent, task, dependencies, gates and board task, which never change. Each step's state
 * (status, attempts, output…) is in `state/runs/<id>/steps/<step>.json`, written when the step moves
 * and absent while the step has never moved. A step transition writes that step's file, not the run:
 * the bytes a run writes grow with its steps, not with their square, and two branches that advanced
 * different steps of a run merge without touching each other's files. The header is written when the
 * run's status changes, and by every change made by someone other than the run's runner (approvals,
 * rejections, cancels), so a runner notices those by the header alone.
 */

/** What the plan fixed about a step: the part of a RunStep kept in the header. */
export type RunStepPlan = Pick<
  RunStep,
  'id' | 'agent' | 'kind' | 'task' | 'deps' | 'gate' | 'afterGate' | 'boardTask'
>;

/** What moves as a step runs: the part of a RunStep kept in its own file. */
export type StepState = Omit<RunStep, keyof RunStepPlan>;

/** `state/runs/<id>.json` in format 2. */
export interface RunHeader extends Omit<Run, 'v' | 'steps'> {
  v: 2;
  steps: RunStepPlan[];
}

/** `state/runs/<id>/steps/<step>.json`; `updatedAt` is when the step last moved (the run's is the latest). */
export interface StepFile extends StepState {
  v: 2;
  id: string;
  updatedAt: string;
}

/** What `state/runs/<id>.json` holds: a whole run (format 1, migrated when next written) or a header. */
export type RunFile = (Omit<Run, 'v'> & { v: 1 }) | RunHeader;

/** The state of a step that has never moved (it has no file). */
export const INITIAL_STEP_STATE: Readonly<StepState> = Object.freeze({
  status: 'pending',
  attempts: 0,
  output: null,
  outputFile: null,
  error: null,
  decision: null,
  startedAt: null,
  endedAt: null,
});

const STATE_FIELDS = Object.keys(INITIAL_STEP_STATE) as (keyof StepState)[];

/** Whether a step has moved since its run was created (only such a step has a file). */
export function hasMoved(step: RunStep): boolean {
  return STATE_FIELDS.some((field) => step[field] !== INITIAL_STEP_STATE[field]);
}

const headerSchema = lazySchema((z) => {
  const { planned, head } = runSchemaParts(z);
  return z.object({
    v: z.literal(2),
    ...head,
    steps: z.array(z.object(planned)),
  }) satisfies RecordSchema<RunHeader>;
});

const stepFileSchema = lazySchema((z) => {
  const { name, stamp, state } = runSchemaParts(z);
  return z.object({ v: z.literal(2), id: name, ...state, updatedAt: stamp }) satisfies RecordSchema<StepFile>;
});

/** A run's own file of either format, or CORRUPT naming `file` and every problem by its field. */
export function validateRunFile(value: unknown, file: string): RunFile {
  const v = (value as { v?: unknown } | null)?.v;
  if (v === 2) return validateRecord(headerSchema(), value, file, 'run');
  return validateRun(value, file) as RunFile;
}

/** A step file, or CORRUPT naming `file` and every problem by its field. */
export function validateStepFile(value: unknown, file: string): StepFile {
  return validateRecord(stepFileSchema(), value, file, 'run step');
}

/** The header of a run (format 2), whatever format it was read from. */
export function runHeaderOf(run: Run | RunHeader): RunHeader {
  const steps = run.steps.map(
    (s): RunStepPlan => ({
      id: s.id,
      agent: s.agent,
      kind: s.kind,
      task: s.task,
      deps: s.deps,
      gate: s.gate,
      ...(s.afterGate !== undefined ? { afterGate: s.afterGate } : {}),
      boardTask: s.boardTask,
    }),
  );
  const { v: _v, steps: _steps, ...rest } = run;
  return { v: 2, ...rest, steps };
}

/** A step's file, as of `at`. */
export function stepFileOf(step: RunStep, at: string): StepFile {
  const state = Object.fromEntries(STATE_FIELDS.map((field) => [field, step[field]])) as StepState;
  return { v: 2, id: step.id, ...state, updatedAt: at };
}

/**
 * The run a header and its step files make. A step file of no step of the plan is refused (it came
 * from somewhere else), and so is an output file outside the run's folder. Errors name `label`.
 */
export function assembleRun(header: RunHeader, files: ReadonlyMap<string, StepFile>, label: string): Run {
  const planned = new Set(header.steps.map((s) => s.id));
  for (const id of files.keys()) {
    if (!planned.has(id))
      throw invalidRecord(label, 'run', [`steps/${id}.json: the run has no step ${JSON.stringify(id)}`]);
  }
  let updatedAt = header.updatedAt;
  const steps = header.steps.map((p): RunStep => {
    const file = files.get(p.id);
    if (!file) return orderStep({ ...p, ...INITIAL_STEP_STATE });
    if (file.outputFile !== null && isName(p.id) && file.outputFile !== stepOutputPath(header.id, p.id))
      throw invalidRecord(label, 'run', [
        `steps/${p.id}.json: outputFile: must be null or ${stepOutputPath(header.id, p.id)}`,
      ]);
    if (file.updatedAt > updatedAt) updatedAt = file.updatedAt;
    const { v: _v, id: _id, updatedAt: _at, ...state } = file;
    return orderStep({ ...p, ...state });
  });
  const { v: _v, steps: _steps, ...rest } = header;
  const run: Run = { v: 2, ...rest, updatedAt, steps };
  // The status follows from the steps: after a merge of two branches that each moved some steps, the
  // header (written when the status last changed on one of them) may say less than the steps do.
  run.status = deriveRunStatus(run);
  if (TERMINAL_RUN.has(run.status)) run.endedAt ??= updatedAt;
  return run;
}

/** A step with its fields in the order format 1 kept them (stable JSON for readers and tests). */
function orderStep(step: RunStep): RunStep {
  const { afterGate, ...rest } = step;
  return {
    id: rest.id,
    agent: rest.agent,
    kind: rest.kind,
    task: rest.task,
    deps: rest.deps,
    gate: rest.gate,
    ...(afterGate !== undefined ? { afterGate } : {}),
    status: rest.status,
    attempts: rest.attempts,
    output: rest.output,
    outputFile: rest.outputFile,
    error: rest.error,
    decision: rest.decision,
    boardTask: rest.boardTask,
    startedAt: rest.startedAt,
    endedAt: rest.endedAt,
  };
}
