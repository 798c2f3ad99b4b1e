import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consolidateRun } from './consolidation.js';
import { invalidInput } from './errors.js';
import type { ActorOptions } from './mutation.js';
import { type OrchestratorConfig, loadOrchestratorConfig } from './orchestrator-config.js';
import { type Plan, choosePlan, validatePlan } from './planner.js';
import { forbiddenAssignments, listPolicies } from './policies.js';
import { runLeaseHolder } from './run-lease.js';
import { approveStep, rejectStep } from './run-decisions.js';
import { type Run, type RunStep, TERMINAL_RUN } from './run-schema.js';
import { createRun } from './runs.js';
import type { Workspace } from './workspace.js';

/** The CLI next to this library (dist/lib → dist/bin): background runners are `orc run resume`. */
const ORC_CLI = fileURLToPath(new URL('../bin/orc.js', import.meta.url));

export interface StartRunInput {
  task: string;
  flow?: string;
  payload?: Record<string, string>;
  concurrency?: number;
}

export interface StartRunOptions extends ActorOptions {
  /** How to invoke orc, for commands printed into briefs (ORC_INVOCATION of the runner). */
  invocation?: string;
  onWarning?: (message: string) => void;
}

/**
 * Plans a task the way `orc run` does: a flow, the LLM planner (with relevant knowledge) or the offline
 * planner; policy rules that forbid an assignment join the plan's checks, so the LLM's repair round can
 * steer around them. An invalid plan is INVALID_INPUT.
 */
export async function planRun(
  ws: Workspace,
  input: StartRunInput,
  options: StartRunOptions = {},
): Promise<{ plan: Plan; config: OrchestratorConfig }> {
  const task = input.task.trim();
  if (!task) throw invalidInput('say what to do: the task is empty');
  const config = loadOrchestratorConfig(ws);
  // Steps that go to workers need Redis: an unreachable one is said now (UNHEALTHY), before an LLM is
  // paid to plan and before a run is created that no process could run.
  if (config.redis) await (await import('./step-queue.js')).probeRedis(config.redis);
  const rules = listPolicies(ws);
  const check = (candidate: Plan) => forbiddenAssignments(rules, candidate.steps, config.agents);
  const knowledge =
    config.provider && !input.flow ? await plannerKnowledge(ws, task, options.onWarning) : undefined;
  const plan = await choosePlan(task, config, {
    flowId: input.flow,
    payload: input.payload ?? {},
    check,
    knowledge,
  });
  const problems = validatePlan(plan, config);
  if (problems.length > 0) throw invalidInput(`the ${plan.source} plan is not valid: ${problems.join('; ')}`);
  return { plan, config };
}

/** Plans and creates a run, then continues it in a background process (like `orc run --detach`). */
export async function startRun(ws: Workspace, input: StartRunInput, options: StartRunOptions = {}) {
  const { plan, config } = await planRun(ws, input, options);
  const run = await createRun(
    ws,
    { task: input.task.trim(), plan, config, payload: input.payload ?? {}, concurrency: input.concurrency },
    { actor: options.actor },
  );
  continueRunInBackground(ws, run.id, options);
  return run;
}

/** Continues a run in a detached `orc run resume` process; its output goes to .orc/runners/<run>.log. */
export function continueRunInBackground(
  ws: Workspace,
  runId: string,
  options: { invocation?: string } = {},
): void {
  mkdirSync(join(ws.localDir, 'runners'), { recursive: true });
  const log = openSync(join(ws.localDir, 'runners', `${runId}.log`), 'a');
  const child = spawn(process.execPath, [ORC_CLI, '--dir', ws.root, 'run', 'resume', runId, '--wait-lease'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(options.invocation ? { ORC_INVOCATION: options.invocation } : {}) },
  });
  child.unref();
}

export interface GateDecision {
  approved: boolean;
  /** The waiting step; optional when only one waits. */
  step?: string;
  /** Why; required to reject. */
  note?: string;
}

/**
 * Approves or rejects a waiting gate, then lets the run go on, as `orc approve|reject`, the HTTP API
 * and the MCP server all do.
 */
export async function decideGate(
  ws: Workspace,
  runRef: string,
  decision: GateDecision,
  options: StartRunOptions = {},
): Promise<{ run: Run; step: RunStep }> {
  const decided = decision.approved
    ? await approveStep(ws, runRef, decision.step, { actor: options.actor, note: decision.note })
    : await rejectStep(ws, runRef, decision.step, { actor: options.actor, note: decision.note });
  await continueAfterDecision(ws, decided.run, options);
  return decided;
}

/**
 * What follows an approval or a rejection: the runner may have stopped while the gate waited, so the
 * run continues in the background (a runner still alive picks the decision up itself; the lease keeps
 * it to one). Approving the last gate completes a run with no runner involved: it is consolidated here.
 */
async function continueAfterDecision(ws: Workspace, run: Run, options: StartRunOptions) {
  if (!TERMINAL_RUN.has(run.status) && !runLeaseHolder(ws, run.id))
    continueRunInBackground(ws, run.id, options);
  if (run.status === 'complete') {
    const note = await consolidateRun(ws, run, loadOrchestratorConfig(ws), options.actor);
    if (note?.warning) options.onWarning?.(note.warning);
  }
}

/** Knowledge passages for the LLM planner (not run notes); a knowledge base that fails is a warning. */
async function plannerKnowledge(
  ws: Workspace,
  task: string,
  onWarning?: (message: string) => void,
): Promise<string | undefined> {
  const { knowledgeSection } = await import('./briefs.js');
  try {
    const section = await knowledgeSection(ws, task, 3_000, {
      exclude: (n) => n.startsWith('runs/'),
      onWarning,
    });
    // The planner's prompt has its own heading for it.
    return section.text.replace(/^## Relevant knowledge\n/, '') || undefined;
  } catch (error) {
    onWarning?.(`the planner gets no knowledge: ${(error as Error).message}`);
    return undefined;
  }
}
