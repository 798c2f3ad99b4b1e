import { dirname, join } from 'node:path';
import { OrcError, checkName, invalidInput, notFound, quote } from '../shared/index.js';
import { newId } from '../shared/index.js';
import { RECORD_KINDS, listFolder } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import type { AgentConfig, OrchestratorConfig } from '../config/index.js';
import type { Plan } from './planner.js';
import { type PolicyRule, forbiddenAssignments, listPolicies, matchingPolicies } from './policies.js';
import type { Run, RunStep, StepGate } from '../records/index.js';
import { boardStream, boardTaskFor, mirror, oneLine } from './run-board.js';
import { type StoredRun, loadRun, loadRuns, readStoredRun, runFile, writeRun } from './run-store.js';
import {
  type RunTransition,
  type StepOutcome,
  applyStepOutcomes,
  refreshRunStatus,
  requeueRunStep,
  skipDependentSteps,
  startRunSteps,
} from './run-transitions.js';
import type { Workspace } from '../storage/index.js';
import { writeNewWorkstream } from '../board/index.js';

export { runFile };

/** The gates of a step: `gate` is met first (a `before` gate if any), `afterGate` after it ran. */
export interface StepGates {
  gate: StepGate | null;
  afterGate: StepGate | null;
}

/**
 * Every gate that applies to a step, from policy rules, the agent, the flow step and the plan. Config
 * gates and policy rules cannot be switched off by a plan; a plan may only add one. Gates of one mode
 * merge into one: the first source (policy, agent, flow, plan) names it, and their criteria are joined.
 * A step with both a `before` and an `after` gate waits twice, each time with that gate's criteria.
 */
export function resolveStepGates(
  agent: AgentConfig | undefined,
  configGate: 'before' | 'after' | undefined,
  planGate: 'before' | 'after' | undefined,
  policies: readonly PolicyRule[] = [],
): StepGates {
  const criteria = agent?.gateCriteria ?? null;
  const gates: StepGate[] = [];
  for (const policy of policies.filter((p) => p.effect === 'gate'))
    gates.push({ mode: policy.gate ?? 'after', source: 'policy', criteria: policy.reason, rule: policy.id });
  if (agent?.gate) gates.push({ mode: agent.gate, source: 'agent', criteria });
  if (configGate) gates.push({ mode: configGate, source: 'flow', criteria });
  if (planGate) gates.push({ mode: planGate, source: 'plan', criteria });
  const merged = (mode: 'before' | 'after'): StepGate | null => {
    const of = gates.filter((g) => g.mode === mode);
    if (of.length === 0) return null;
    const texts = [...new Set(of.map((g) => g.criteria).filter((c): c is string => c !== null))];
    return { ...of[0]!, criteria: texts.length > 0 ? texts.join('; ') : null };
  };
  const before = merged('before');
  const after = merged('after');
  return before ? { gate: before, afterGate: after } : { gate: after, afterGate: null };
}

/** The first gate a step meets (see resolveStepGates, which also gives the `after` gate it may have). */
export function resolveGate(
  agent: AgentConfig | undefined,
  configGate: 'before' | 'after' | undefined,
  planGate: 'before' | 'after' | undefined,
  policy?: PolicyRule,
): StepGate | null {
  return resolveStepGates(agent, configGate, planGate, policy ? [policy] : []).gate;
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
  // Step ids become file names (their outputs); a plan from a model, HTTP or MCP is held to the rule.
  for (const step of input.plan.steps) checkName('step id', step.id);
  for (const key of Object.keys(input.payload ?? {})) checkName('payload key', key);
  return mutate(ws, options, (m) => {
    const id = newId('r');
    const rules = listPolicies(ws);
    const forbidden = forbiddenAssignments(rules, input.plan.steps, input.config.agents);
    if (forbidden.length > 0) throw new OrcError('INVALID_INPUT', forbidden.join('; '));
    const steps: RunStep[] = input.plan.steps.map((planned) => {
      const agent = agents.get(planned.agent);
      const matched = matchingPolicies(rules, planned, agent);
      const flowGate = flow?.steps.find((s) => s.id === planned.id)?.gate;
      const { gate, afterGate } = resolveStepGates(
        agent,
        input.plan.source === 'flow' ? (flowGate ?? planned.gate) : undefined,
        planned.gate,
        matched,
      );
      return {
        id: planned.id,
        agent: planned.agent,
        kind: agent?.kind ?? 'external',
        task: planned.task,
        deps: [...planned.deps],
        gate,
        ...(afterGate ? { afterGate } : {}),
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
      v: 2,
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
    writeRun(m, run, [], { format: 'new', header: true });
    m.emit('run.created', id, { task: input.task, plan: run.plan, steps: steps.map((s) => s.id) });
    return run;
  });
}

/** Reads a run inside a mutation. */
export function readRun(m: Mutation, id: string): Run {
  return readStoredRun(m, id).run;
}

/**
 * Writes a run read by readRun after a change made in place by someone other than its runner (a
 * decision, a cancel): recomputes its status, mirrors and writes the changed steps, and the header,
 * whose change tells the runner (RunTracker) to read the run again. Logs a status change.
 */
export function saveRun(m: Mutation, run: Run, changed: RunStep[]): Run {
  const status = refreshRunStatus(run, m.now);
  for (const step of changed) mirror(m, step);
  writeRun(m, run, changed, { format: run.v === 1 ? 1 : 2, header: true });
  if (status) m.emit(status.type, status.subject, status.data);
  return run;
}

/**
 * Records a transition (run-transitions.ts) of `before` inside a mutation: side files, events, board
 * tasks, the changed steps' files, and the header only when the run's status changed.
 */
export function recordTransition(m: Mutation, before: StoredRun, transition: RunTransition): Run {
  const { run, events, changed, files } = transition;
  if (changed.length === 0) return run;
  // Only into the run's own folder, whatever a step id says (the path was built by stepOutputPath).
  const folder = join(m.ws.runsDir, run.id);
  for (const file of files) {
    const path = join(m.ws.root, file.path);
    if (dirname(path) !== folder)
      throw invalidInput(`step output ${quote(file.path)} lies outside ${run.id}'s folder`);
    m.writeText(path, file.text);
  }
  for (const event of events) m.emit(event.type, event.subject, event.data);
  for (const step of changed) mirror(m, step);
  const header = before.run.status !== run.status || before.run.endedAt !== run.endedAt;
  writeRun(m, run, changed, { format: before.format, header });
  return run;
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
  const run = loadRun(ws, id);
  if (!run) throw notFound(`run ${quote(ref)} not found (removed meanwhile?)`);
  return run;
}

/** Every run, newest first. */
export function listRuns(ws: Workspace, filter: { status?: string } = {}): Run[] {
  return loadRuns(ws)
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
  actor: string | ActorOptions,
): Promise<RunStep[]> {
  return mutate(ws, actor, (m) => {
    const stored = readStoredRun(m, runId);
    const transition = startRunSteps(stored.run, stepIds, m.now);
    recordTransition(m, stored, transition);
    return transition.started;
  });
}

/** One step: see startSteps. */
export async function startStep(
  ws: Workspace,
  runId: string,
  stepId: string,
  actor: string | ActorOptions,
): Promise<RunStep | null> {
  return (await startSteps(ws, runId, [stepId], actor))[0] ?? null;
}

/** Inside a mutation: skips the steps that wait on `step` (failed or rejected), with their events. */
export function skipDependents(m: Mutation, run: Run, step: RunStep): RunStep[] {
  const { skipped, events } = skipDependentSteps(run, step);
  for (const event of events) m.emit(event.type, event.subject, event.data);
  return skipped;
}

/**
 * Records how running steps ended, in one critical section (see applyStepOutcomes): outcomes that
 * arrive together are recorded together. Reads the whole run: a runner uses RunTracker instead.
 */
export async function settleSteps(
  ws: Workspace,
  runId: string,
  outcomes: StepOutcome[],
  actor: string | ActorOptions,
): Promise<Run> {
  return mutate(ws, actor, (m) => {
    const stored = readStoredRun(m, runId);
    return recordTransition(m, stored, applyStepOutcomes(stored.run, outcomes, m.now));
  });
}

export const finishStep = (ws: Workspace, runId: string, step: string, output: string, actor: string) =>
  settleSteps(ws, runId, [{ step, output }], actor);

export const failStep = (ws: Workspace, runId: string, step: string, error: string, actor: string) =>
  settleSteps(ws, runId, [{ step, error }], actor);

/** After a crash: a step left running by a dead runner runs again (at-least-once). */
export async function requeueStep(
  ws: Workspace,
  runId: string,
  stepId: string,
  actor: string | ActorOptions,
) {
  return mutate(ws, actor, (m) => {
    const stored = readStoredRun(m, runId);
    return recordTransition(m, stored, requeueRunStep(stored.run, stepId, m.now));
  });
}
