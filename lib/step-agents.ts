import { OrcError } from './errors.js';
import type { AgentConfig, OrchestratorConfig } from './orchestrator-config.js';
import type { Run, RunStep } from './run-schema.js';
import { getTask } from './tasks.js';
import type { Workspace } from './workspace.js';

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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

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
 * Runs a command agent: argv without a shell (task text can never become a command), the brief on
 * stdin, run and step ids in the environment, stdout as the output. Retries with backoff; a timeout or
 * a cancel ends the agent's whole process tree.
 */
export async function runCommandStep(ctx: StepContext): Promise<string> {
  const agent = ctx.agent!;
  const [file, ...args] = agent.command!;
  const { execa } = await import('execa');
  const attempts = 1 + (agent.retries ?? 0);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (ctx.signal.aborted) throw new StepFailure('cancelled');
    const child = execa(file!, args, {
      input: ctx.brief,
      cwd: agent.cwd ?? ctx.ws.root,
      env: { ...agent.env, ORC_RUN_ID: ctx.run.id, ORC_STEP_ID: ctx.step.id, ORC_WORKSPACE: ctx.ws.root },
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
    ctx.signal.addEventListener('abort', stop);
    const result = await child;
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
    if (ctx.signal.aborted) throw new StepFailure('cancelled');
    if (timedOut) lastError = `timed out after ${Math.round(agent.timeoutMs! / 100) / 10}s`;
    else if (result.exitCode === 0) return String(result.stdout);
    else if (result.failed && result.exitCode === undefined)
      lastError = String(result.shortMessage ?? result.message);
    else {
      // The line that says what went wrong: an `…Error: message` line if there is one (a crash ends in
      // stack frames and Node's "Node.js v20…" trailer), else the last line.
      const lines = String(result.stderr ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !/^Node\.js v\d/.test(line));
      const stderr = lines.findLast((line) => /^[A-Za-z]*Error\b[^:]*:/.test(line)) ?? lines.at(-1) ?? '';
      lastError = `exit code ${result.exitCode}${stderr ? `: ${stderr}` : ''}`;
    }
    if (attempt < attempts) await sleep(Math.min(500 * 2 ** (attempt - 1), 10_000), ctx.signal);
  }
  throw new StepFailure(attempts > 1 ? `${lastError} (after ${attempts} attempts)` : lastError);
}

/** Runs an LLM agent: its system prompt and the brief as chat messages, the reply as the output. */
export async function runLlmStep(ctx: StepContext): Promise<string> {
  const agent = ctx.agent!;
  const providerId = agent.provider ?? ctx.config.provider;
  const provider = providerId ? ctx.config.providers[providerId] : undefined;
  if (!provider) throw new StepFailure(`agent ${agent.id} has no provider configured`);
  const { chatComplete } = await import('./llm.js');
  const system = agent.systemPrompt ?? `You are ${agent.name}: ${agent.description}`;
  try {
    return await chatComplete(
      provider,
      [
        { role: 'system', content: system },
        { role: 'user', content: ctx.brief },
      ],
      { signal: ctx.signal },
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
