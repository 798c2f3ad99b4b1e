// `orc worker`: executes the step jobs of the agents it serves, with this machine's orchestrator.yaml
// (the job brings only the brief: the command that runs is always the worker's own). The run file and
// the event log stay with the coordinator, which records what the worker returns.
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { invalidInput, quote } from '../shared/index.js';
import type { AgentConfig, OrchestratorConfig } from '../config/index.js';
import { REDIS_URL_VARIABLE } from '../config/index.js';
import { type AgentCall, StepFailure, runCommandAttempt, runLlmCall } from '../runs/index.js';
import {
  type StepJobData,
  cancelKey,
  connectionOf,
  probeRedis,
  queueName,
  redisWarner,
  workerTimings,
} from './step-queue.js';
import type { Workspace } from '../storage/index.js';

/** What a worker tells about each job: when it starts, and how it ended. */
export interface WorkerJobEvent {
  event: 'started' | 'done' | 'failed' | 'returned';
  job: string;
  run: string;
  step: string;
  agent: string;
  /** The job's attempt (1 unless retried). */
  attempt: number;
  ms?: number;
  error?: string;
}

export interface WorkerOptions {
  /** Agent ids to serve; default every command and LLM agent of the config. */
  agents?: string[];
  /** Jobs at once, per agent served. */
  concurrency?: number;
  onJob?: (event: WorkerJobEvent) => void;
  onWarning?: (message: string) => void;
}

export interface RunningWorker {
  agents: string[];
  /**
   * Stops taking jobs and resolves once the current ones have ended. With `returnJobs`, they are
   * stopped and put back in their queue for another worker instead of being finished.
   */
  close(options?: { returnJobs?: boolean }): Promise<void>;
}

/** How often a running job looks for its coordinator's cancel. */
const CANCEL_POLL_MS = 1000;

function servedAgents(config: OrchestratorConfig, ids: string[] | undefined): AgentConfig[] {
  const runnable = config.agents.filter((a) => a.kind !== 'external');
  if (!ids || ids.length === 0) {
    if (runnable.length === 0) throw invalidInput('orchestrator.yaml has no command or LLM agents to serve');
    return runnable;
  }
  return ids.map((id) => {
    const agent = config.agents.find((a) => a.id === id);
    if (!agent) throw invalidInput(`agent ${quote(id)} is not in orchestrator.yaml`);
    if (agent.kind === 'external')
      throw invalidInput(`agent ${quote(id)} is external: its steps go through the board, not to workers`);
    return agent;
  });
}

export async function startWorker(
  ws: Workspace,
  config: OrchestratorConfig,
  options: WorkerOptions = {},
): Promise<RunningWorker> {
  const settings = config.redis;
  if (!settings)
    throw invalidInput(
      `orc worker needs redis: in orchestrator.yaml or ${REDIS_URL_VARIABLE} in the environment`,
    );
  const agents = servedAgents(config, options.agents);
  const concurrency = options.concurrency ?? 1;
  await probeRedis(settings);
  const { Worker, UnrecoverableError, WaitingError } = await import('bullmq');
  const warn = redisWarner(settings, options.onWarning);
  let returning = false;
  const running = new Map<string, AbortController>();

  const processorFor = (agent: AgentConfig) => async (job: Job<StepJobData, string>, token?: string) => {
    const data = job.data;
    const jobId = job.id!;
    const about = {
      job: jobId,
      run: data.runId,
      step: data.stepId,
      agent: agent.id,
      attempt: job.attemptsMade + 1,
    };
    const abort = new AbortController();
    running.set(jobId, abort);
    let cancelled = false;
    const client = await workers.get(agent.id)!.getBackend().client;
    const poll = setInterval(() => {
      client.get(cancelKey(settings, jobId)).then((value) => {
        if (value && !abort.signal.aborted) {
          cancelled = true;
          abort.abort();
        }
      }, warn);
    }, CANCEL_POLL_MS);
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    options.onJob?.({ event: 'started', ...about });
    try {
      if (returning) abort.abort();
      const call: AgentCall = {
        ws,
        agent,
        config,
        runId: data.runId,
        stepId: data.stepId,
        brief: data.brief,
        signal: abort.signal,
      };
      const output = agent.kind === 'command' ? await runCommandAttempt(call) : await runLlmCall(call);
      options.onJob?.({ event: 'done', ...about, ms: ms() });
      return output;
    } catch (error) {
      if (returning && !cancelled) {
        // Shutting down without finishing: the job goes back to wait, no attempt spent.
        await job.moveToWait(token);
        options.onJob?.({ event: 'returned', ...about, ms: ms() });
        throw new WaitingError();
      }
      const message =
        error instanceof StepFailure ? error.message : `unexpected: ${(error as Error)?.message ?? error}`;
      options.onJob?.({ event: 'failed', ...about, ms: ms(), error: message });
      // A cancel is final; any other failure is retried by BullMQ as the job's attempts allow.
      throw cancelled ? new UnrecoverableError('cancelled') : new Error(message);
    } finally {
      clearInterval(poll);
      running.delete(jobId);
    }
  };

  const workers = new Map<string, Worker<StepJobData, string>>();
  for (const agent of agents) {
    const worker = new Worker<StepJobData, string>(queueName(settings, agent.id), processorFor(agent), {
      connection: connectionOf(settings),
      concurrency,
      name: `${hostname()}:${process.pid}`,
      autorun: false,
      ...workerTimings(settings),
    });
    worker.on('error', warn);
    workers.set(agent.id, worker);
  }
  await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
  for (const worker of workers.values()) void worker.run().catch(warn);

  let closing: Promise<void> | undefined;
  return {
    agents: agents.map((a) => a.id),
    close({ returnJobs = false } = {}) {
      if (returnJobs) {
        returning = true;
        for (const abort of running.values()) abort.abort();
      }
      closing ??= Promise.all([...workers.values()].map((w) => w.close())).then(() => undefined);
      return closing;
    },
  };
}
