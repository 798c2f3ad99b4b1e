// What the coordinator of a run (remote-steps.ts) and `orc worker` (worker.ts) agree on: queue names,
// job ids, a job's data, the BullMQ options that give retries and stalled-job pickup, and a probe of
// the connection. No eager BullMQ or ioredis import: they load only where they are used.
import { OrcError } from '../shared/index.js';
import type { AgentConfig } from '../config/index.js';
import { type RedisSettings, redactedUrl } from '../config/index.js';
import { retryDelayMs } from '../runs/index.js';

/** A step's job: who it is for and the brief; the command comes from the worker's own config. */
export interface StepJobData {
  runId: string;
  stepId: string;
  /** The step's attempt (a resumed run that requeues a step gets a new one, hence a new job). */
  attempt: number;
  agent: string;
  kind: 'command' | 'llm';
  brief: string;
  /** The coordinator's host and pid, for whoever inspects the queue. */
  coordinator: string;
}

export const queueName = (settings: RedisSettings, agentId: string) => `${settings.prefix}-agent-${agentId}`;

/**
 * One job per attempt of a step, so adding it twice (a resumed coordinator) finds the job already
 * there instead of running the step again. BullMQ refuses `:` in custom ids; step ids may hold one.
 */
export const stepJobId = (runId: string, stepId: string, attempt: number) =>
  `${runId}.${encodeURIComponent(stepId)}.${attempt}`;

/** Set by the coordinator to stop a job a worker is running (a cancelled run). */
export const cancelKey = (settings: RedisSettings, jobId: string) => `${settings.prefix}-cancel:${jobId}`;

/** BullMQ connection options; workers need `maxRetriesPerRequest: null` (BullMQ's blocking calls). */
export const connectionOf = (settings: RedisSettings) => ({ url: settings.url, maxRetriesPerRequest: null });

const PROBE_TIMEOUT_MS = 10_000;

/**
 * Fails fast when Redis cannot be reached: BullMQ's own connections retry forever (right for a Redis
 * that goes away mid-run, wrong for a wrong URL), so one connection that never retries asks first.
 */
export async function probeRedis(settings: RedisSettings): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(settings.url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // The socket's error (ECONNREFUSED, ENOTFOUND…) says more than the rejection ("Connection is closed").
  let first: Error | undefined;
  client.on('error', (error: Error) => {
    first ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = String((first ?? (error as Error))?.message ?? error).replaceAll(settings.url, '(the URL)');
    throw new OrcError('UNHEALTHY', `cannot reach Redis at ${redactedUrl(settings.url)}: ${cause}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Redis errors as warnings for the coordinator and the workers: each said once while it repeats (they
 * repeat on every reconnect while Redis is away), the URL never shown (it may hold a password).
 */
export function redisWarner(settings: RedisSettings, onWarning?: (message: string) => void) {
  let last = '';
  return (error: Error) => {
    const message = `Redis at ${redactedUrl(settings.url)}: ${error.message.replaceAll(settings.url, '(the URL)')}`;
    if (message !== last) onWarning?.(message);
    last = message;
  };
}

/** How often a job may lose its worker (killed, cut off) and go to another before the step fails. */
export const MAX_STALLS = 2;

/** The backoff type of step jobs, computed by the workers' `backoffStrategy` (below). */
const BACKOFF = 'orc-exponential';

/**
 * A job's options. Retries work as in process: `retries` extra attempts of a command agent, with the
 * same backoff (0.5 s, doubling, at most 10 s); an LLM agent's retries are its provider's.
 */
export function stepJobOptions(agent: AgentConfig, jobId: string) {
  return {
    jobId,
    attempts: agent.kind === 'command' ? 1 + (agent.retries ?? 0) : 1,
    backoff: { type: BACKOFF },
    // Kept for a day, so a coordinator resumed meanwhile finds the outcome instead of running it again.
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * Worker options from `stalled_after`: a worker renews its job's lock every half of it; a job whose
 * lock lapsed is moved back to wait by the next stalled check of any live worker of the queue. A dead
 * worker's job is therefore picked up again within about 3 × stalled_after (lock expiry, then at most
 * two checks).
 */
export function workerTimings(settings: RedisSettings) {
  return {
    lockDuration: settings.stalledAfterMs,
    stalledInterval: settings.stalledAfterMs,
    maxStalledCount: MAX_STALLS,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade) },
  };
}
