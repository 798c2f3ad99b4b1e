import { redactUrl, envNames, envSetting } from '../shared/index.js';
import { durationOf, isObject, optionalString } from './config-values.js';

/**
 * `redis:` in orchestrator.yaml, or ORC_REDIS_URL (alias ORCHESTRATOR_REDIS_URL) alone: with it, the ready steps of command
 * and LLM agents are queued in BullMQ for `orc worker` processes instead of run in process.
 */
export interface RedisSettings {
  /** May hold a password: show it only through `redactedUrl`. */
  url: string;
  /** Queues are named `<prefix>-agent-<agent id>`. */
  prefix: string;
  /** A step waits this long for a worker of its agent before it fails. */
  unservedAfterMs: number;
  /** A job whose worker stopped renewing its lock this long ago goes to another worker. */
  stalledAfterMs: number;
}

/** The variable's name in messages; ORCHESTRATOR_REDIS_URL is its alias (see lib/shared/env.ts). */
export const REDIS_URL_VARIABLE = 'ORC_REDIS_URL';
const DEFAULT_WAIT_MS = 30_000;

/** The settings, or undefined when neither `redis:` nor ORC_REDIS_URL is set. */
export function readRedisSettings(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  problems: string[],
): RedisSettings | undefined {
  const setting = envSetting(env, 'REDIS_URL');
  const fromEnv = setting?.value;
  if ((raw === undefined || raw === null) && !fromEnv) return undefined;
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    problems.push('redis: must be a mapping (url, prefix, unserved_after, stalled_after)');
    return undefined;
  }
  const doc = isObject(raw) ? raw : {};
  // The variable wins: a worker on another machine may reach the same Redis by another name.
  const url = fromEnv ?? optionalString(doc, 'url', 'redis', problems);
  // Never quoted: the URL may hold a password.
  if (url === undefined) problems.push(`redis.url: give the Redis URL here or in ${envNames('REDIS_URL')}`);
  else if (!/^rediss?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
    problems.push(
      `${setting ? setting.name : 'redis.url'}: must be a redis:// or rediss:// URL (not shown: it may hold a password)`,
    );
  const prefix = optionalString(doc, 'prefix', 'redis', problems) ?? 'orc';
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(prefix))
    problems.push('redis.prefix: must be 1 to 40 letters, digits, . _ or -');
  const wait = (key: string) =>
    doc[key] === undefined
      ? DEFAULT_WAIT_MS
      : (durationOf(doc[key], `redis.${key}`, problems) ?? DEFAULT_WAIT_MS);
  return {
    url: url ?? '',
    prefix,
    unservedAfterMs: wait('unserved_after'),
    stalledAfterMs: wait('stalled_after'),
  };
}

/** The URL with any user name and password replaced, for messages (see redactUrl). */
export function redactedUrl(url: string): string {
  return redactUrl(url);
}
