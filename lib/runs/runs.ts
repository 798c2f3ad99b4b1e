import { join } from 'node:path';
import { OrcError, invalidInput, notFound, quote } from '../shared/index.js';
import { newId } from '../shared/index.js';
import { RECORD_KINDS, listFolder, listRecords, readRecord } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import type { AgentConfig, OrchestratorConfig } from '../config/index.js';
import type { Plan } from './planner.js';
import { type PolicyRule, forbiddenAssignments, listPolicies, matchingPolicies } from './policies.js';
import {
  type Run,
  type RunStep,
  type StepGate,
  TERMINAL_RUN,
  validateRun,
  dependentsOf,
  deriveRunStatus,
  isStartable,
} from '../records/index.js';
import { boardStream, boardTaskFor, mirror, oneLine } from './run-board.js';
import type { Workspace } from '../storage/index.js';
import { writeNewWorkstream } from '../board/index.js';

/** Outputs longer than this go to a side file next to the run; the run keeps their start. */
export const INLINE_OUTPUT_LIMIT = 8_000;

export const runFile = (ws: Workspace, id: string) => join(ws.stateDir, 'runs', `${id}.json`);

/**
 * The gate a step gets. Config gates (the agent's, or the flow step's) and policy rules cannot be
 * switched off by a plan; a plan may only add one. A `before` from any source wins; a policy that
 * matched is what the step shows, so `run status` can name the rule.
 */
export function resolveGate(
  agent: AgentConfig | undefined,
  configGate: 'before' | 'after' | undefined,
  planGate: 'before' | 'after' | undefined,
  policy?: PolicyRule,
): StepGate | null {
  const criteria = agent?.gateCriteria ?? null;
  const gates: StepGate[] = [];
  if (policy)
    gates.push({ mode: policy.gate ?? 'after', source: 'policy', criteria: policy.reason, rule: policy.id });
  if (agent?.gate) gates.push({ mode: agent.gate, source: 'agent', criteria });
  if (configGate) gates.push({ mode: configGate, source: 'flow', criteria });
  if (planGate) gates.push({ mode: planGate, source: 'plan', criteria });
  if (gates.length === 0) return null;
  return { ...gates[0]!, mode: gates.some((g) => g.mode === 'before') ? 'before' : 'after' };
}

export interface CreateRunInput {
  task: string;
  plan: Plan;
  config: OrchestratorConfig;
  payload?: Record<string, string>;
  concurrency?: number;
}

/** Creates a run from a validated plan, with a workstream `run-…` and a board task per step. */
export async function createRun(
  ws: Workspace,
  input: CreateRunInput,
  options: ActorOptions = {},
): Promise<Run> {
  if (typeof input.task !== 'string' || input.task.trim() === '') throw invalidInput('a run needs a task');
  const agents = new Map(input.config.agents.map((a) => [a.id, a]));
  const flow = input.plan.flow ? input.config.flows.find((f) => f.id === input.plan.flow) : undefined;
  return mutate(ws, options.actor, (m) => {
    const id = newId('r');
    const rules = listPolicies(ws);
    const forbidden = forbiddenAssignments(rules, input.plan.steps, input.config.agents);
    if (forbidden.length > 0) throw new OrcError('INVALID_INPUT', forbidden.join('; '));
    const steps: RunStep[] = input.plan.steps.map((planned) => {
      const agent = agents.get(planned.agent);
      const matched = matchingPolicies(rules, planned, agent);
      const flowGate = flow?.steps.find((s) => s.id === planned.id)?.gate;
      return {
        id: planned.id,
        agent: planned.agent,
        kind: agent?.kind ?? 'external',
        task: planned.task,
        deps: [...planned.deps],
        gate: resolveGate(
          agent,
          input.plan.source === 'flow' ? (flowGate ?? planned.gate) : undefined,
          planned.gate,
          matched.find((r) => r.effect === 'gate'),
        ),
        status: 'pending',
        attempts: 0,
        output: null,
        outputFile: null,
        error: null,
        decision: null,
        boardTask: null,
        startedAt: null,
        endedAt: null,
      };
    });
    const run: Run = {
      v: 1,
      id,
      task: input.task,
      status: 'running',
      plan: { source: input.plan.source, flow: input.plan.flow ?? null },
      payload: input.payload ?? {},
      concurrency: input.concurrency ?? input.config.concurrency,
      steps,
      createdBy: m.actor,
      createdAt: m.nowIso,
      updatedAt: m.nowIso,
      endedAt: null,
    };
    writeNewWorkstream(m, {
      name: boardStream(id),
      description: `run ${id}: ${oneLine(input.task, 150)}`,
      priority: 3,
    });
    const taskIds = new Map<string, string>();
    for (const step of steps) taskIds.set(step.id, newId('t'));
    for (const step of steps) {
      step.boardTask = taskIds.get(step.id)!;
      m.writeTask(
        boardTaskFor(
          m,
          run,
          step,
          step.deps.map((d) => taskIds.get(d)!),
        ),
      );
    }
    m.writeJson(runFile(ws, id), run);
    m.emit('run.created', id, { task: input.task, plan: run.plan, steps: steps.map((s) => s.id) });
    return run;
  });
}

/** Reads a run inside a mutation. */
export function readRun(m: Mutation, id: string): Run {
  const label = `state/runs/${id}.json`;
  const raw = m.readJson<unknown>(runFile(m.ws, id), label);
  if (raw === undefined) throw notFound(`run ${quote(id)} not found`);
  return validateRun(raw, label);
}

/** Writes a run after a change: recomputes its status, mirrors changed steps, logs the status change. */
export function saveRun(m: Mutation, run: Run, changed: RunStep[]): Run {
  const before = run.status;
  run.status = deriveRunStatus(run);
  run.updatedAt = m.nowIso;
  if (TERMINAL_RUN.has(run.status) && !run.endedAt) run.endedAt = m.nowIso;
  for (const step of changed) mirror(m, step);
  m.writeJson(runFile(m.ws, run.id), run);
  if (run.status !== before) m.emit(`run.${run.status}`, run.id, { from: before });
  return run;
}

export function stepOf(run: Run, stepId: string): RunStep {
  const step = run.steps.find((s) => s.id === stepId);
  if (!step) throw notFound(`run ${run.id} has no step ${quote(stepId)}`);
  return step;
}

/** Resolves a run id or a unique prefix (with or without `r-`). */
export function resolveRunId(ws: Workspace, ref: string): string {
  if (typeof ref !== 'string' || !/^(r-)?[0-9a-z]{1,32}$/.test(ref)) {
    throw invalidInput(`${quote(ref)} is not a run id (they look like r-4k9x2mq7ab3c)`);
  }
  const prefix = ref.startsWith('r-') ? ref : `r-${ref}`;
  const matches = runNames(ws).filter((name) => name.startsWith(prefix));
  if (matches.includes(`${prefix}.json`)) return prefix;
  if (matches.length === 1) return matches[0]!.slice(0, -'.json'.length);
  if (matches.length === 0) throw notFound(`run ${quote(ref)} not found`);
  throw invalidInput(`run id ${quote(ref)} is ambiguous: give more of it`);
}

function runNames(ws: Workspace): string[] {
  return listFolder(ws, ws.runsDir)
    .map((entry) => entry.name)
    .filter(RECORD_KINDS.run.isRecordName);
}

export function getRun(ws: Workspace, ref: string): Run {
  const id = resolveRunId(ws, ref);
  const run = readRecord(ws, 'run', id);
  if (!run) throw notFound(`run ${quote(ref)} not found (removed meanwhile?)`);
  return run;
}

/** Every run, newest first. */
export function listRuns(ws: Workspace, filter: { status?: string } = {}): Run[] {
  return listRecords(ws, 'run')
    .filter((run) => filter.status === undefined || run.status === filter.status)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/**
 * Marks startable steps running (or, behind a `before` gate not yet approved, waiting for approval),
 * in one critical section. Returns the steps the caller should run now; only one caller ever gets a
 * step.
 */
export async function startSteps(
  ws: Workspace,
  runId: string,
  stepIds: string[],
  actor: string,
): Promise<RunStep[]> {
  return mutate(ws, actor, (m) => {
    const run = readRun(m, runId);
    const started: RunStep[] = [];
    const changed: RunStep[] = [];
    for (const stepId of stepIds) {
      const step = stepOf(run, stepId);
      if (run.status === 'cancelled' || !isStartable(run, step)) continue;
      changed.push(step);
      if (step.gate?.mode === 'before' && step.decision?.decision !== 'approved') {
        step.status = 'waiting_approval';
        m.emit('run.step_waiting', `${run.id}/${step.id}`, { gate: step.gate, when: 'before' });
        continue;
      }
      step.status = 'running';
      step.attempts++;
      step.startedAt = m.nowIso;
      step.error = null;
      m.emit('run.step_started', `${run.id}/${step.id}`, { agent: step.agent, attempt: step.attempts });
      started.push(step);
    }
    if (changed.length > 0) saveRun(m, run, changed);
    return started;
  });
}

/** One step: see startSteps. */
export async function startStep(
  ws: Workspace,
  runId: string,
  stepId: string,
  actor: string,
): Promise<RunStep | null> {
  return (await startSteps(ws, runId, [stepId], actor))[0] ?? null;
}

function storeOutput(m: Mutation, run: Run, step: RunStep, output: string): void {
  if (output.length <= INLINE_OUTPUT_LIMIT) {
    step.output = output;
    step.outputFile = null;
    return;
  }
  const relative = `state/runs/${run.id}/${step.id}.out`;
  m.writeText(join(m.ws.root, relative), output);
  step.output = `${output.slice(0, 2000)}\n… (${output.length} characters in all: ${relative})`;
  step.outputFile = relative;
}

export function skipDependents(m: Mutation, run: Run, step: RunStep): RunStep[] {
  const skipped = dependentsOf(run, step.id).filter(
    (s) => s.status === 'pending' || s.status === 'waiting_approval',
  );
  for (const s of skipped) {
    s.status = 'skipped';
    s.error = `skipped: ${step.id} ${step.status}`;
    m.emit('run.step_skipped', `${run.id}/${s.id}`, { because: step.id });
  }
  return skipped;
}

/** How a running step ended: with an output, or with an error (after its retries). */
export type StepOutcome = { step: string; output: string } | { step: string; error: string };

/**
 * Records how running steps ended, in one critical section: an output makes a step done (or holds it
 * for review behind an `after` gate); an error fails it and skips every step that depends on it.
 * Steps no longer running (cancelled meanwhile) are left as they are.
 */
export async function settleSteps(
  ws: Workspace,
  runId: string,
  outcomes: StepOutcome[],
  actor: string,
): Promise<Run> {
  return mutate(ws, actor, (m) => {
    const run = readRun(m, runId);
    const changed: RunStep[] = [];
    for (const outcome of outcomes) {
      const step = stepOf(run, outcome.step);
      if (step.status !== 'running') continue;
      step.endedAt = m.nowIso;
      changed.push(step);
      if ('error' in outcome) {
        step.status = 'failed';
        step.error = outcome.error;
        m.emit('run.step_failed', `${run.id}/${step.id}`, {
          agent: step.agent,
          error: oneLine(outcome.error, 300),
        });
        changed.push(...skipDependents(m, run, step));
        continue;
      }
      storeOutput(m, run, step, outcome.output);
      if (step.gate?.mode === 'after') {
        step.status = 'waiting_approval';
        m.emit('run.step_waiting', `${run.id}/${step.id}`, { gate: step.gate, when: 'after' });
      } else {
        step.status = 'done';
        m.emit('run.step_done', `${run.id}/${step.id}`, { agent: step.agent, chars: outcome.output.length });
      }
    }
    return changed.length > 0 ? saveRun(m, run, changed) : run;
  });
}

export const finishStep = (ws: Workspace, runId: string, step: string, output: string, actor: string) =>
  settleSteps(ws, runId, [{ step, output }], actor);

export const failStep = (ws: Workspace, runId: string, step: string, error: string, actor: string) =>
  settleSteps(ws, runId, [{ step, error }], actor);

/** After a crash: a step left running by a dead runner runs again (at-least-once). */
export async function requeueStep(ws: Workspace, runId: string, stepId: string, actor: string) {
  return mutate(ws, actor, (m) => {
    const run = readRun(m, runId);
    const step = stepOf(run, stepId);
    if (step.status !== 'running') return run;
    step.status = 'pending';
    m.emit('run.step_requeued', `${run.id}/${step.id}`, {
      attempt: step.attempts,
      reason: 'its runner stopped mid-step',
    });
    return saveRun(m, run, [step]);
  });
}
