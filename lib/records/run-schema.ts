import { checkName, isName } from '../shared/index.js';
import { type RecordSchema, type ZodV3, lazySchema, stampOf, validateRecord } from './validate.js';

/** A run's status; `waiting_approval` means nothing can move until a person decides on a gate. */
export const RUN_STATUSES = ['running', 'waiting_approval', 'complete', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  'pending',
  'running',
  'waiting_approval',
  'done',
  'failed',
  'rejected',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Where a gate came from: config (agent or flow step) gates cannot be switched off by a plan. */
export interface StepGate {
  mode: 'before' | 'after';
  source: 'agent' | 'flow' | 'plan' | 'policy';
  criteria: string | null;
  /** The policy rule behind a policy gate. */
  rule?: string;
}

export interface StepDecision {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  note: string | null;
}

export interface RunStep {
  id: string;
  agent: string;
  kind: 'command' | 'llm' | 'external';
  task: string;
  deps: string[];
  /** The first gate the step meets: its `before` gate if it has one, else its `after` gate. */
  gate: StepGate | null;
  /**
   * The `after` gate of a step that also has a `before` gate: every gate that applies is kept, so the
   * output is held for review after the step was approved to start. Absent in runs written before it.
   */
  afterGate?: StepGate | null;
  status: StepStatus;
  attempts: number;
  /** The output, or its first part when the whole is in `outputFile`. */
  output: string | null;
  /** Path (relative to the workspace) of an output too large to keep in the run file. */
  outputFile: string | null;
  error: string | null;
  decision: StepDecision | null;
  /** The step's task on the board (workstream `run-<run id>`). */
  boardTask: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

/**
 * A run with its steps, as readers get it. Format 1 stored it whole in `state/runs/<id>.json`; format 2
 * (run-store.ts) keeps the plan in that file (a RunHeader) and each step's state in its own file, so a
 * step transition writes that step only. `v` is the format the run was read from.
 */
export interface Run {
  v: 1 | 2;
  id: string;
  task: string;
  status: RunStatus;
  plan: { source: 'flow' | 'llm' | 'offline'; flow: string | null };
  payload: Record<string, string>;
  concurrency: number;
  steps: RunStep[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set([
  'done',
  'failed',
  'rejected',
  'skipped',
  'cancelled',
]);
export const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set(['complete', 'failed', 'cancelled']);

/**
 * Where each step of a run sits in `run.steps`, by id: built once per steps array (transitions copy
 * the array when they change a step), so a lookup costs O(1) and a pass over the run O(steps).
 */
const positions = new WeakMap<readonly RunStep[], Map<string, number>>();

export function stepPositions(run: Pick<Run, 'steps'>): Map<string, number> {
  let index = positions.get(run.steps);
  if (!index) {
    index = new Map(run.steps.map((s, i) => [s.id, i]));
    positions.set(run.steps, index);
  }
  return index;
}

/**
 * A copy of a run that a transition may change: its own steps array (the same steps, and the same
 * index of them), into which changed steps are put as copies, so the run given stays as it was.
 */
export function copyRun(run: Run): Run {
  const steps = [...run.steps];
  positions.set(steps, stepPositions(run));
  // A step that has ended never moves again, so the copy's first open step is no earlier.
  const open = openFrom.get(run.steps);
  if (open !== undefined) openFrom.set(steps, open);
  return { ...run, steps };
}

/**
 * Where the first step that has not ended is, by steps array: every step before it has ended, and an
 * ended step never moves again, so each pass over a run (its status, the steps to start) begins there
 * and a run of thousands of steps costs each pass the steps still open, not the run.
 */
const openFrom = new WeakMap<readonly RunStep[], number>();

export function firstOpenStep(run: Pick<Run, 'steps'>): number {
  const steps = run.steps;
  let at = openFrom.get(steps) ?? 0;
  while (at < steps.length && TERMINAL_STEP.has(steps[at]!.status)) at++;
  openFrom.set(steps, at);
  return at;
}

/** Whether a step of the plan has a `before` gate (the plan never changes: known once per run read). */
const gatedPlans = new WeakMap<Map<string, number>, boolean>();

export function hasBeforeGates(run: Pick<Run, 'steps'>): boolean {
  const index = stepPositions(run);
  let gated = gatedPlans.get(index);
  if (gated === undefined) {
    gated = run.steps.some((s) => s.gate?.mode === 'before');
    gatedPlans.set(index, gated);
  }
  return gated;
}

/** Replaces the step at `id` in a run from copyRun with a copy, and returns that copy to change. */
export function editStep(run: Run, id: string): RunStep | undefined {
  const at = stepPositions(run).get(id);
  if (at === undefined) return undefined;
  const copy = { ...run.steps[at]! };
  run.steps[at] = copy;
  return copy;
}

/** The step with this id, or undefined. */
export function findStep(run: Pick<Run, 'steps'>, id: string): RunStep | undefined {
  const at = stepPositions(run).get(id);
  return at === undefined ? undefined : run.steps[at];
}

/** A pending step whose dependencies are all done: it may start (or wait at a `before` gate). */
export function isStartable(run: Run, step: RunStep): boolean {
  if (step.status !== 'pending') return false;
  return step.deps.every((dep) => findStep(run, dep)?.status === 'done');
}

/** The run status that follows from its steps (pure; a pass over the steps still open, see firstOpenStep). */
export function deriveRunStatus(run: Run): RunStatus {
  if (run.status === 'cancelled') return 'cancelled';
  const steps = run.steps;
  const open = firstOpenStep(run);
  if (open === steps.length) return steps.every((s) => s.status === 'done') ? 'complete' : 'failed';
  // Steps before `open` have ended; the first one that runs or may start settles it.
  let waiting = false;
  for (let i = open; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.status === 'running' || isStartable(run, s)) return 'running';
    if (s.status === 'waiting_approval') waiting = true;
  }
  if (waiting) return 'waiting_approval';
  // Pending steps that can never start (a dependency failed) are skipped by the transitions; a run
  // here has nothing left to do.
  return 'failed';
}

/** Every step that depends on `id`, directly or not, in the order they are reached (one pass to index). */
export function dependentsOf(run: Run, id: string): RunStep[] {
  const waitingOn = new Map<string, RunStep[]>();
  for (const step of run.steps) {
    for (const dep of step.deps) {
      const list = waitingOn.get(dep);
      if (list) list.push(step);
      else waitingOn.set(dep, [step]);
    }
  }
  const out: RunStep[] = [];
  const seen = new Set<RunStep>();
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const step of waitingOn.get(current) ?? []) {
      if (seen.has(step)) continue;
      seen.add(step);
      out.push(step);
      queue.push(step.id);
    }
  }
  return out;
}

/** The parts of a run's schema that its files of either format share (run-file-schema.ts). */
export function runSchemaParts(z: ZodV3) {
  const stamp = stampOf(z);
  const gate = z.object({
    mode: z.enum(['before', 'after']),
    source: z.enum(['agent', 'flow', 'plan', 'policy']),
    criteria: z.string().nullable(),
    rule: z.string().optional(),
  });
  const decision = z.object({
    decision: z.enum(['approved', 'rejected']),
    by: z.string(),
    at: stamp,
    note: z.string().nullable(),
  });
  const name = z.string().refine(isName, NAME_RULE);
  /** What the plan fixed about a step. */
  const planned = {
    id: name,
    agent: z.string(),
    kind: z.enum(['command', 'llm', 'external']),
    task: z.string(),
    deps: z.array(name),
    gate: gate.nullable(),
    afterGate: gate.nullable().optional(),
    boardTask: z.string().nullable(),
  };
  /** What moves as the step runs. */
  const state = {
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int().min(0),
    output: z.string().nullable(),
    outputFile: z.string().nullable(),
    error: z.string().nullable(),
    decision: decision.nullable(),
    startedAt: stamp.nullable(),
    endedAt: stamp.nullable(),
  };
  /** The fields of the run itself, but its steps and format version. */
  const head = {
    id: z
      .string()
      .regex(/^r-[0-9a-z]{4,32}$/, 'must be a run id (r- and 4 to 32 lower-case letters or digits)'),
    task: z.string(),
    status: z.enum(RUN_STATUSES),
    plan: z.object({ source: z.enum(['flow', 'llm', 'offline']), flow: z.string().nullable() }),
    payload: z.record(name, z.string()),
    concurrency: z.number().int().min(1),
    createdBy: z.string(),
    createdAt: stamp,
    updatedAt: stamp,
    endedAt: stamp.nullable(),
  };
  return { stamp, name, planned, state, head };
}

/** What a valid run (with its steps) is; `validateRun` applies it. */
export const runSchema = lazySchema((z) => {
  const { planned, state, head } = runSchemaParts(z);
  return z
    .object({
      v: z.union([z.literal(1), z.literal(2)]),
      ...head,
      steps: z.array(z.object({ ...planned, ...state })),
    })
    .superRefine((run, ctx) => {
      // A merged run cannot point a step's output at another file of the workspace (or anywhere).
      run.steps.forEach((s, i) => {
        if (s.outputFile !== null && isName(s.id) && s.outputFile !== stepOutputPath(run.id, s.id))
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'outputFile'],
            message: `must be null or ${stepOutputPath(run.id, s.id)}`,
          });
      });
    }) satisfies RecordSchema<Run>;
});

const NAME_RULE =
  "must be a name: letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)";

/**
 * Where a step's long output is kept, relative to the workspace: always a file of the run's own
 * folder, since both ids are checked here (a step id such as `../../x` is refused, not followed).
 */
export function stepOutputPath(runId: string, stepId: string): string {
  if (!/^r-[0-9a-z]{4,32}$/.test(runId)) checkName('run id', runId);
  return `state/runs/${runId}/${checkName('step id', stepId)}.out`;
}

/** A run read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateRun(value: unknown, file: string): Run {
  return validateRecord(runSchema(), value, file, 'run');
}
