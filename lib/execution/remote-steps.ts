// The coordinator's side of workers: a run's command and LLM steps become BullMQ jobs, one queue per
// agent, and their outcomes come back here to be recorded by the executor exactly as in process. Loaded
// only when `redis:` is configured, and it loads BullMQ itself.
import { hostname } from 'node:os';
import type { Queue, QueueEvents } from 'bullmq';
import { formatAge } from '../shared/index.js';
import type { RedisSettings } from '../config/index.js';
import type { RunStep } from '../records/index.js';
import { type StepContext, StepFailure } from '../runs/index.js';
import {
  MAX_STALLS,
  type StepJobData,
  cancelKey,
  connectionOf,
  probeRedis,
  queueName,
  redisWarner,
  stepJobId,
  stepJobOptions,
} from './step-queue.js';
import { sleep } from '../shared/index.js';

export interface RemoteSteps {
  /** Runs a command or LLM step as a job of its agent's queue; resolves with the output. */
  run(ctx: StepContext): Promise<string>;
  /** Whether a step left running (by a coordinator that stopped) still has its job in the queue. */
  hasJob(runId: string, step: RunStep): Promise<boolean>;
  close(): Promise<void>;
}

interface Channel {
  queue: Queue<StepJobData, string>;
  events: QueueEvents;
  /** When a worker of the queue was last seen, and when we last looked. */
  servedAt: number;
  checkedAt: number;
}

/** How often a waiting step looks at its job: for a cancel, or for nobody serving its agent. */
const WATCH_MS = 500;

/**
 * Connects to the queues of the given agents (an unreachable Redis is an error here, not a failed
 * step: UNHEALTHY). Only jobs this coordinator added are ever waited on, so runs of other coordinators sharing
 * the queues are never touched.
 */
export async function openRemoteSteps(
  settings: RedisSettings,
  agentIds: string[],
  options: { onWarning?: (message: string) => void } = {},
): Promise<RemoteSteps> {
  await probeRedis(settings);
  const { Queue, QueueEvents } = await import('bullmq');
  const connection = connectionOf(settings);
  const coordinator = `${hostname()}:${process.pid}`;
  const warn = redisWarner(settings, options.onWarning);
  const channels = new Map<string, Channel>();
  for (const agentId of new Set(agentIds)) {
    const name = queueName(settings, agentId);
    // The events stream holds outputs: keep it short.
    const queue = new Queue<StepJobData, string>(name, { connection, streams: { events: { maxLen: 1000 } } });
    const events = new QueueEvents(name, { connection });
    queue.on('error', warn);
    events.on('error', warn);
    channels.set(agentId, { queue, events, servedAt: 0, checkedAt: 0 });
  }
  const close = async () => {
    await Promise.all([...channels.values()].flatMap((c) => [c.events.close(), c.queue.close()]));
  };
  await Promise.all(
    [...channels.values()].flatMap((c) => [c.queue.waitUntilReady(), c.events.waitUntilReady()]),
  );

  const channel = (agentId: string) => {
    const found = channels.get(agentId);
    if (!found) throw new StepFailure(`agent ${agentId} has no queue in this run`);
    return found;
  };

  /** Why a waiting job should give up: nobody has served its queue for `unserved_after`. */
  async function unserved(c: Channel, agentId: string, jobId: string, since: number) {
    const state = await c.queue.getJobState(jobId);
    if (state === 'unknown') return `its job ${jobId} is gone from queue ${c.queue.name}`;
    if (state !== 'waiting' && state !== 'prioritized') return undefined;
    const now = Date.now();
    if (now - c.checkedAt >= 1000) {
      c.checkedAt = now;
      if ((await c.queue.getWorkersCount()) > 0) c.servedAt = now;
    }
    const waited = now - Math.max(since, c.servedAt);
    if (waited < settings.unservedAfterMs) return undefined;
    // A worker may take it this very moment: then it is served after all.
    if ((await c.queue.remove(jobId)) !== 1) return undefined;
    return `no worker serves agent ${agentId} (waited ${formatAge(waited)})`;
  }

  async function cancel(c: Channel, jobId: string) {
    if ((await c.queue.remove(jobId)) === 1) return;
    const client = await c.queue.getBackend().client;
    await client.set(cancelKey(settings, jobId), '1', { EX: 24 * 3600 });
  }

  async function failure(c: Channel, jobId: string, reason: string): Promise<string> {
    if (/stalled more than allowable limit/.test(reason))
      return `its worker stopped mid-step ${MAX_STALLS + 1} times (${reason})`;
    const attempts = (await c.queue.getJob(jobId))?.attemptsMade ?? 1;
    return attempts > 1 ? `${reason} (after ${attempts} attempts)` : reason;
  }

  return {
    async run(ctx) {
      const agent = ctx.agent!;
      const c = channel(agent.id);
      const jobId = stepJobId(ctx.run.id, ctx.step.id, ctx.step.attempts);
      const data: StepJobData = {
        runId: ctx.run.id,
        stepId: ctx.step.id,
        attempt: ctx.step.attempts,
        agent: agent.id,
        kind: agent.kind === 'llm' ? 'llm' : 'command',
        brief: ctx.brief,
        coordinator,
      };
      // A job already there (a resumed coordinator) is not added again: its outcome is awaited.
      const job = await c.queue.add(ctx.step.id, data, stepJobOptions(agent, jobId));
      const since = Date.now();
      let outcome: { output: string } | { error: string } | undefined;
      const finished = job.waitUntilFinished(c.events).then(
        (output) => {
          outcome = { output: typeof output === 'string' ? output : JSON.stringify(output ?? '') };
        },
        (error: Error) => {
          outcome = { error: error.message };
        },
      );
      while (!outcome) {
        await Promise.race([finished, sleep(WATCH_MS, ctx.signal)]);
        if (outcome) break;
        if (ctx.signal.aborted) {
          await cancel(c, jobId).catch(warn);
          throw new StepFailure('cancelled');
        }
        let reason: string | undefined;
        try {
          reason = await unserved(c, agent.id, jobId, since);
        } catch (error) {
          warn(error as Error); // Redis away for a moment: keep waiting
        }
        if (reason) throw new StepFailure(reason);
      }
      if ('output' in outcome) return outcome.output;
      throw new StepFailure(await failure(c, jobId, outcome.error));
    },
    async hasJob(runId, step) {
      const c = channels.get(step.agent);
      if (!c) return false;
      return (await c.queue.getJobState(stepJobId(runId, step.id, step.attempts))) !== 'unknown';
    },
    close,
  };
}
