import { checkName, isName } from '../shared/index.js';
import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

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

/** A run, as stored in `state/runs/<id>.json`; every step transition rewrites it atomically. */
export interface Run {
  v: 1;
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

/** A pending step whose dependencies are all done: it may start (or wait at a `before` gate). */
export function isStartable(run: Run, step: RunStep): boolean {
  if (step.status !== 'pending') return false;
  return step.deps.every((dep) => run.steps.find((s) => s.id === dep)?.status === 'done');
}

/** The run status that follows from its steps (pure). */
export function deriveRunStatus(run: Run): RunStatus {
  if (run.status === 'cancelled') return 'cancelled';
  const steps = run.steps;
  if (steps.every((s) => TERMINAL_STEP.has(s.status))) {
    return steps.every((s) => s.status === 'done') ? 'complete' : 'failed';
  }
  const moving = steps.some((s) => s.status === 'running' || isStartable(run, s));
  if (moving) return 'running';
  if (steps.some((s) => s.status === 'waiting_approval')) return 'waiting_approval';
  // Pending steps that can never start (a dependency failed) are skipped by the transitions; a run
  // here has nothing left to do.
  return 'failed';
}

/** Every step that depends on `id`, directly or not. */
export function dependentsOf(run: Run, id: string): RunStep[] {
  const out: RunStep[] = [];
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const step of run.steps) {
      if (step.deps.includes(current) && !out.includes(step)) {
        out.push(step);
        queue.push(step.id);
      }
    }
  }
  return out;
}

/** What a valid run is; `validateRun` applies it. */
export const runSchema = lazySchema((z) => {
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
  const step = z.object({
    id: name,
    agent: z.string(),
    kind: z.enum(['command', 'llm', 'external']),
    task: z.string(),
    deps: z.array(name),
    gate: gate.nullable(),
    afterGate: gate.nullable().optional(),
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int().min(0),
    output: z.string().nullable(),
    outputFile: z.string().nullable(),
    error: z.string().nullable(),
    decision: decision.nullable(),
    boardTask: z.string().nullable(),
    startedAt: stamp.nullable(),
    endedAt: stamp.nullable(),
  });
  return z
    .object({
      v: z.literal(1),
      id: z
        .string()
        .regex(/^r-[0-9a-z]{4,32}$/, 'must be a run id (r- and 4 to 32 lower-case letters or digits)'),
      task: z.string(),
      status: z.enum(RUN_STATUSES),
      plan: z.object({ source: z.enum(['flow', 'llm', 'offline']), flow: z.string().nullable() }),
      payload: z.record(name, z.string()),
      concurrency: z.number().int().min(1),
      steps: z.array(step),
      createdBy: z.string(),
      createdAt: stamp,
      updatedAt: stamp,
      endedAt: stamp.nullable(),
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
