import { type Context, ago, c, print, printJson, statusColor, table } from '../output.js';
import { perform } from '../operations.js';
import { subsystems } from '../../lib/cli.js';

const { OrcError } = await subsystems.shared();

export async function register(
  ctx: Context,
  id: string,
  role: string | undefined,
  opts: { capabilities?: string[] },
) {
  const agent = await perform(
    ctx,
    'registerAgent',
    { id, role, capabilities: opts.capabilities },
    { flags: { capabilities: '--capabilities' } },
  );
  if (ctx.json) return printJson(agent);
  const caps = agent.capabilities.length ? ` capabilities: ${agent.capabilities.join(', ')}` : '';
  print(`${c.green('registered')} ${c.bold(agent.id)} (${agent.role})${caps}`);
  print(`next: ${ctx.invocation} t next ${agent.id}`);
}

export async function list(ctx: Context) {
  const agents = await perform(ctx, 'listAgents', {});
  if (ctx.json) return printJson(agents);
  if (agents.length === 0) return print('no agents: orc a register <id> [role]');
  print(
    await table(
      ['id', 'role', 'state', 'last seen', 'capabilities'],
      agents.map((a) => [a.id, a.role, statusColor(a.state), ago(a.lastSeen), a.capabilities.join(', ')]),
    ),
  );
}

export async function show(ctx: Context, id: string) {
  const agent = await perform(ctx, 'getAgent', { id });
  const { claims } = agent;
  if (ctx.json) return printJson(agent);
  print(`${c.bold(agent.id)} (${agent.role}) ${statusColor(agent.state)}, last seen ${ago(agent.lastSeen)}`);
  if (agent.capabilities.length) print(`capabilities: ${agent.capabilities.join(', ')}`);
  for (const t of claims) print(`  holds ${t.id} ${JSON.stringify(t.title)} until ${t.claim!.expiresAt}`);
}

export async function heartbeat(ctx: Context, id: string, opts: { ttl?: string }) {
  const result = await perform(
    ctx,
    'heartbeatAgent',
    { agent: id, ttl: opts.ttl },
    { flags: { ttl: '--ttl' } },
  );
  if (ctx.json) printJson(result);
  else print(`${c.green('alive')} ${id}; renewed ${result.renewed.length} claim(s)`);
  if (result.lost.length > 0) {
    // The heartbeat itself succeeded; the exit code tells the agent to drop the lost work.
    const list = result.lost.map((l) => `${l.id} (now ${l.lostTo})`).join(', ');
    throw new OrcError(
      'CLAIM_LOST',
      `${id} lost its claim on ${list} when branches were merged: stop working on it`,
    );
  }
}

export async function unregister(ctx: Context, id: string) {
  const result = await perform(ctx, 'unregisterAgent', { id });
  if (ctx.json) return printJson(result);
  print(
    `${c.yellow('unregistered')} ${id}; released ${result.releasedTasks.length} task(s), ${result.releasedLocks.length} lock(s)`,
  );
}
