import { consolidateRun } from '../memory/index.js';
import { checkName, describeError, invalidInput } from '../shared/index.js';
import { executeRun } from '../execution/index.js';
import type { ActorOptions } from '../storage/index.js';
import { type OrchestratorConfig, loadOrchestratorConfig } from '../config/index.js';
import { type Plan, choosePlan, validatePlan } from '../runs/index.js';
import { forbiddenAssignments, listPolicies } from '../runs/index.js';
import { runLeaseHolder } from '../runs/index.js';
import { approveStep, rejectStep } from '../runs/index.js';
import { type Run, type RunStep, TERMINAL_RUN } from '../records/index.js';
import { createRun } from '../runs/index.js';
import type { Workspace } from '../storage/index.js';

/**
 * How a run goes on once a call that started it or decided one of its gates has returned. The CLI (and
 * the servers it starts) pass one that spawns a detached `orc run resume`; a library caller may pass its
 * own, and without one the run goes on inside the calling process.
 */
export type RunContinuer = (ws: Workspace, runId: string) => void;

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
  /** How the run goes on after this call returns; by default in this process (see RunContinuer). */
  continueRun?: RunContinuer;
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
  // Payload keys are stored in the run and named in messages: the name rule, before anything is paid.
  for (const key of Object.keys(input.payload ?? {})) checkName('payload key', key);
  const config = loadOrchestratorConfig(ws);
  // Steps that go to workers need Redis: an unreachable one is said now (UNHEALTHY), before an LLM is
  // paid to plan and before a run is created that no process could run.
  if (config.redis) await (await import('../execution/index.js')).probeRedis(config.redis);
  const rules = listPolicies(ws);
  const check = (candidate: Plan) => forbiddenAssignments(rules, candidate.steps, config.agents);
  const { knowledge, examples } =
    config.provider && !input.flow ? await plannerKnowledge(ws, task, options) : {};
  const plan = await choosePlan(task, config, {
    flowId: input.flow,
    payload: input.payload ?? {},
    check,
    knowledge,
    examples,
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
  (options.continueRun ?? continueInThisProcess(options))(ws, run.id);
  return run;
}

/** The default RunContinuer: the run's steps go on in this process, after the call has returned. */
function continueInThisProcess(options: StartRunOptions): RunContinuer {
  return (ws, runId) => {
    executeRun(ws, runId, {
      config: loadOrchestratorConfig(ws),
      // A runner that is still finishing the run's previous turn lets go of its lease within moments.
      waitForLeaseMs: 15_000,
      invocation: options.invocation,
      onWarning: options.onWarning,
    }).catch((error: unknown) =>
      options.onWarning?.(`run ${runId} stopped: ${describeError(error).message}`),
    );
  };
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
    (options.continueRun ?? continueInThisProcess(options))(ws, run.id);
  if (run.status === 'complete') {
    const note = await consolidateRun(ws, run, loadOrchestratorConfig(ws), options.actor);
    if (note?.warning) options.onWarning?.(note.warning);
  }
}

/**
 * Knowledge passages for the LLM planner (not run notes), and past examples: sections of the notes of
 * similar earlier runs (knowledge/runs/), each counted as a recall. A knowledge base that fails is a
 * warning: the planner plans without it.
 */
async function plannerKnowledge(
  ws: Workspace,
  task: string,
  options: StartRunOptions,
): Promise<{ knowledge?: string; examples?: string }> {
  const { knowledgeSection, pastExamplesSection, countRecalls } = await import('../knowledge/index.js');
  const onWarning = options.onWarning;
  try {
    const section = await knowledgeSection(ws, task, 3_000, {
      exclude: (n) => n.startsWith('runs/'),
      onWarning,
    });
    const examples = await pastExamplesSection(ws, task, 2_000, { onWarning });
    await countRecalls(ws, examples.memories, { actor: options.actor, now: options.now });
    // The planner's prompt has its own headings for them.
    return {
      knowledge: section.text.replace(/^## Relevant knowledge\n/, '') || undefined,
      examples: examples.text.replace(/^## Past examples[^\n]*\n/, '') || undefined,
    };
  } catch (error) {
    onWarning?.(`the planner gets no knowledge: ${(error as Error).message}`);
    return {};
  }
}
