import { durationOption } from '../options.js';
import { type Context, ago, c, print, printJson, table } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { acquireLock, listLocks, releaseLock } = await subsystems.board();

export async function acquire(
  ctx: Context,
  resource: string,
  agent: string,
  opts: { ttl?: string; wait?: string },
) {
  const ttlMs = durationOption('--ttl', opts.ttl);
  const waitMs = durationOption('--wait', opts.wait);
  const lock = await acquireLock(open(ctx), resource, agent, { ttlMs, waitMs, actor: ctx.actor });
  if (ctx.json) return printJson(lock);
  const times = lock.count > 1 ? ` (held ${lock.count} times)` : '';
  print(
    `${c.green('locked')} ${JSON.stringify(lock.resource)} for ${lock.owner} until ${lock.expiresAt}${times}`,
  );
}

export async function release(ctx: Context, resource: string, agent: string, opts: { force?: boolean }) {
  const lock = await releaseLock(open(ctx), resource, agent, { force: opts.force, actor: ctx.actor });
  if (ctx.json) return printJson({ resource, released: lock === null, lock });
  print(
    lock
      ? `${JSON.stringify(resource)} still held by ${lock.owner} (count ${lock.count})`
      : `${c.green('released')} ${JSON.stringify(resource)}`,
  );
}

export async function list(ctx: Context, opts: { all?: boolean }) {
  const locks = listLocks(open(ctx), { all: opts.all });
  if (ctx.json) return printJson(locks);
  if (locks.length === 0) return print('no locks held');
  print(
    await table(
      ['resource', 'owner', 'count', 'acquired', 'expires'],
      locks.map((l) => [l.resource, l.owner, l.count, ago(l.acquiredAt), ago(l.expiresAt)]),
    ),
  );
}
