import { type Context, ago, c, print, printJson, table } from '../output.js';
import { perform } from '../operations.js';

export async function acquire(
  ctx: Context,
  resource: string,
  agent: string,
  opts: { ttl?: string; wait?: string },
) {
  const lock = await perform(
    ctx,
    'acquireLock',
    { resource, agent, ttl: opts.ttl, wait: opts.wait },
    { flags: { ttl: '--ttl', wait: '--wait' } },
  );
  if (ctx.json) return printJson(lock);
  const times = lock.count > 1 ? ` (held ${lock.count} times)` : '';
  print(
    `${c.green('locked')} ${JSON.stringify(lock.resource)} for ${lock.owner} until ${lock.expiresAt}${times}`,
  );
}

export async function release(ctx: Context, resource: string, agent: string, opts: { force?: boolean }) {
  const result = await perform(ctx, 'releaseLock', { resource, agent, force: opts.force });
  const { lock } = result;
  if (ctx.json) return printJson(result);
  print(
    lock
      ? `${JSON.stringify(resource)} still held by ${lock.owner} (count ${lock.count})`
      : `${c.green('released')} ${JSON.stringify(resource)}`,
  );
}

export async function list(ctx: Context, opts: { all?: boolean }) {
  const locks = await perform(ctx, 'listLocks', { all: opts.all });
  if (ctx.json) return printJson(locks);
  if (locks.length === 0) return print('no locks held');
  print(
    await table(
      ['resource', 'owner', 'count', 'acquired', 'expires'],
      locks.map((l) => [l.resource, l.owner, l.count, ago(l.acquiredAt), ago(l.expiresAt)]),
    ),
  );
}
