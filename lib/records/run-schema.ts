import { OrcError } from '../shared/index.js';

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
  gate: StepGate | null;
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

export function checkRun(value: unknown, label: string): Run {
  const r = value as Run;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    r.v === 1 &&
    typeof r.id === 'string' &&
    typeof r.task === 'string' &&
    RUN_STATUSES.includes(r.status) &&
    Array.isArray(r.steps) &&
    r.steps.every(
      (s) => typeof s?.id === 'string' && STEP_STATUSES.includes(s.status) && Array.isArray(s.deps),
    );
  if (!ok) throw new OrcError('CORRUPT', `${label} is not a valid run`, { details: { file: label } });
  return r;
}
