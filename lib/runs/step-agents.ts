import { OrcError } from '../shared/index.js';
import type { AgentConfig, OrchestratorConfig } from '../config/index.js';
import type { Run, RunStep } from '../records/index.js';
import { getTask } from '../board/index.js';
import { type Workspace, confineExisting } from '../storage/index.js';
import { sleep } from '../shared/index.js';

/** Everything an agent needs to carry out one step. */
export interface StepContext {
  ws: Workspace;
  run: Run;
  step: RunStep;
  agent: AgentConfig | undefined;
  config: OrchestratorConfig;
  brief: string;
  signal: AbortSignal;
}

/** A step that could not produce an output; its message becomes the step's error. */
export class StepFailure extends Error {}

/** Ends a whole process group: a timed-out agent's grandchildren must not outlive it. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/**
 * One call of an agent, wherever it runs: in the runner's process, or in an `orc worker` on another
 * machine (where `ws`, `agent` and `config` are the worker's own).
 */
export interface AgentCall {
  ws: Workspace;
  agent: AgentConfig;
  config: OrchestratorConfig;
  runId: string;
  stepId: string;
  brief: string;
  signal: AbortSignal;
}

const callOf = (ctx: StepContext): AgentCall => ({
  ws: ctx.ws,
  agent: ctx.agent!,
  config: ctx.config,
  runId: ctx.run.id,
  stepId: ctx.step.id,
  brief: ctx.brief,
  signal: ctx.signal,
});

/** The pause before retry number `retry` (1-based): 0.5 s, doubling, at most 10 s. */
export const retryDelayMs = (retry: number) => Math.min(500 * 2 ** (retry - 1), 10_000);

/**
 * Runs a command agent: argv without a shell (task text can never become a command), the brief on
 * stdin, run and step ids in the environment, stdout as the output. Retries with backoff; a timeout or
 * a cancel ends the agent's whole process tree.
 */
export async function runCommandStep(ctx: StepContext): Promise<string> {
  const attempts = 1 + (ctx.agent!.retries ?? 0);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await runCommandAttempt(callOf(ctx));
    } catch (error) {
      if (!(error instanceof StepFailure) || ctx.signal.aborted) throw error;
      lastError = error.message;
    }
    if (attempt < attempts) await sleep(retryDelayMs(attempt), ctx.signal);
  }
  throw new StepFailure(attempts > 1 ? `${lastError} (after ${attempts} attempts)` : lastError);
}

/**
 * The agent's working folder, checked by its real path once more right before the spawn (the config
 * check found it inside the workspace, but a checkout may have replaced it with a link since).
 */
function workingFolder(call: AgentCall): string {
  const folder = call.agent.cwd ?? call.ws.root;
  let found: string | undefined;
  try {
    found = confineExisting(call.ws, folder);
  } catch (error) {
    if (error instanceof OrcError) throw new StepFailure(`agents.cwd: ${error.message}`);
    throw error;
  }
  if (found === undefined) throw new StepFailure(`agents.cwd: ${folder} does not exist`);
  return found;
}

/**
 * Variables a command agent gets from orc's environment: what a program needs to find its tools,
 * home, locale, terminal and temporary folder (and Windows its system folder), and orc's own
 * workspace settings. Anything else is
 * passed on purpose through the agent's `env:` (`GH_TOKEN: ${GH_TOKEN}`).
 */
export const AGENT_ENV_ALLOWED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'TMPDIR',
  'TMP',
  'TEMP',
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  // orc's own, for an agent that calls orc; never ORC_TOKEN or ORC_REDIS_URL (credentials).
  'ORC_DIR',
  'ORCHESTRATOR_DIR',
  'ORC_ACTOR',
  'ORC_DEBUG',
  'ORC_FSYNC',
] as const;

/**
 * The environment of a command agent: the allow-list and `LC_*` from `env`, then the agent's
 * configured `env`, then orc's ORC_RUN_ID, ORC_STEP_ID and ORC_WORKSPACE.
 */
export function agentEnvironment(call: AgentCall, env: NodeJS.ProcessEnv): Record<string, string> {
  const allowed = new Set<string>(AGENT_ENV_ALLOWED);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // Windows spells its names in any case (Path, SystemRoot).
    if (value !== undefined && (allowed.has(name.toUpperCase()) || name.startsWith('LC_'))) out[name] = value;
  }
  return {
    ...out,
    ...call.agent.env,
    ORC_RUN_ID: call.runId,
    ORC_STEP_ID: call.stepId,
    ORC_WORKSPACE: call.ws.root,
  };
}

/** One attempt of a command agent (see runCommandStep); a failure is a StepFailure naming its cause. */
export async function runCommandAttempt(call: AgentCall): Promise<string> {
  const agent = call.agent;
  const [file, ...args] = agent.command!;
  const { execa } = await import('execa');
  if (call.signal.aborted) throw new StepFailure('cancelled');
  const child = execa(file!, args, {
    input: call.brief,
    cwd: workingFolder(call),
    env: agentEnvironment(call, process.env),
    // Not orc's whole environment: a provider key exported for orc would reach the agent's output.
    extendEnv: false,
    detached: true,
    reject: false,
    stripFinalNewline: true,
    maxBuffer: 256 * 1024 * 1024,
  });
  let timedOut = false;
  const stop = () => {
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000).unref();
  };
  const timer = agent.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        stop();
      }, agent.timeoutMs)
    : undefined;
  call.signal.addEventListener('abort', stop);
  const result = await child;
  clearTimeout(timer);
  call.signal.removeEventListener('abort', stop);
  if (call.signal.aborted) throw new StepFailure('cancelled');
  if (timedOut) throw new StepFailure(`timed out after ${Math.round(agent.timeoutMs! / 100) / 10}s`);
  if (result.exitCode === 0) return String(result.stdout);
  if (result.failed && result.exitCode === undefined)
    throw new StepFailure(String(result.shortMessage ?? result.message));
  // The line that says what went wrong: an `…Error: message` line if there is one (a crash ends in
  // stack frames and Node's "Node.js v20…" trailer), else the last line.
  const lines = String(result.stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^Node\.js v\d/.test(line));
  const stderr = lines.findLast((line) => /^[A-Za-z]*Error\b[^:]*:/.test(line)) ?? lines.at(-1) ?? '';
  throw new StepFailure(`exit code ${result.exitCode}${stderr ? `: ${stderr}` : ''}`);
}

/** Runs an LLM agent: its system prompt and the brief as chat messages, the reply as the output. */
export async function runLlmStep(ctx: StepContext): Promise<string> {
  return runLlmCall(callOf(ctx));
}

export async function runLlmCall(call: AgentCall): Promise<string> {
  const agent = call.agent;
  const providerId = agent.provider ?? call.config.provider;
  const provider = providerId ? call.config.providers[providerId] : undefined;
  if (!provider) throw new StepFailure(`agent ${agent.id} has no provider configured`);
  const { chatComplete } = await import('../llm/index.js');
  const system = agent.systemPrompt ?? `You are ${agent.name}: ${agent.description}`;
  try {
    return await chatComplete(
      provider,
      [
        { role: 'system', content: system },
        { role: 'user', content: call.brief },
      ],
      { signal: call.signal },
    );
  } catch (error) {
    throw new StepFailure(
      error instanceof OrcError ? error.message : String((error as Error)?.message ?? error),
    );
  }
}

/** Waits for an external agent to take the step's board task with `orc t next` and report back. */
export async function waitExternalStep(ctx: StepContext, pollMs = 250): Promise<string> {
  for (;;) {
    if (ctx.signal.aborted) throw new StepFailure('cancelled');
    const task = await getTask(ctx.ws, ctx.step.boardTask!);
    if (task.status === 'done') return task.result ?? '';
    if (task.status === 'failed') throw new StepFailure(task.reason ?? 'failed on the board');
    if (task.status === 'cancelled') throw new StepFailure('its task was cancelled on the board');
    await sleep(pollMs, ctx.signal);
  }
}
