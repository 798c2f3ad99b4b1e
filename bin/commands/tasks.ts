import { numberOrText } from '../options.js';
import {
  type Context,
  ago,
  c,
  cell,
  print,
  printJson,
  printable,
  statusColor,
  table,
  warn,
} from '../output.js';
import { perform } from '../operations.js';
import { type HolderFlags, holderFlags, taskArguments } from './task-forms.js';
import type { Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

function line(t: Task): string {
  return `${c.bold(printable(t.id))} ${JSON.stringify(t.title)} (${printable(t.workstream)}, priority ${t.priority}, ${statusColor(t.status)})`;
}

export async function add(
  ctx: Context,
  workstream: string,
  title: string,
  description: string | undefined,
  priority: string | undefined,
  opts: { dep?: string[]; tag?: string[] },
) {
  // `t add backend "Seed data" 2`: a bare number where the description goes is the priority, not a
  // description reading "2".
  if (priority === undefined && description !== undefined && /^\s*\d{1,2}\s*$/.test(description))
    [description, priority] = [undefined, description];
  const task = await perform(
    ctx,
    'addTask',
    { workstream, title, description, priority: numberOrText(priority), deps: opts.dep, tags: opts.tag },
    { flags: { deps: '--dep', tags: '--tag' } },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('added')} ${line(task)}`);
}

export async function list(
  ctx: Context,
  wsArg: string | undefined,
  opts: { ws?: string; status?: string; agent?: string; tag?: string; ready?: boolean },
) {
  const tasks = await perform(
    ctx,
    'listTasks',
    {
      workstream: opts.ws ?? wsArg,
      status: opts.status,
      agent: opts.agent,
      tag: opts.tag,
      ready: opts.ready,
    },
    { flags: { workstream: '--ws', status: '--status', agent: '--agent', tag: '--tag' } },
  );
  if (ctx.json) return printJson(tasks);
  if (tasks.length === 0) return print('no tasks match');
  print(
    await table(
      ['id', 'ws', 'pri', 'status', 'title', 'agent', 'deps'],
      tasks.map((t) => [
        printable(t.id),
        printable(t.workstream),
        t.priority,
        statusColor(t.status),
        cell(t.title),
        printable(t.claim?.agent),
        t.deps.length || '',
      ]),
    ),
  );
}

export async function show(ctx: Context, ref: string) {
  const task = await perform(ctx, 'getTask', { id: ref });
  if (ctx.json) return printJson(task);
  print(line(task));
  if (task.description) print(`\n${task.description}\n`);
  if (task.tags.length) print(`tags: ${task.tags.join(', ')}`);
  for (const dep of task.deps) {
    const d = await perform(ctx, 'getTask', { id: dep }).catch(() => undefined);
    print(
      `depends on: ${dep} ${d ? `${JSON.stringify(d.title)} (${statusColor(d.status)})` : c.red('(missing)')}`,
    );
  }
  if (task.claim)
    print(
      `claimed by ${printable(task.claim.agent)} ${ago(task.claim.claimedAt)}, lease ends ${ago(task.claim.expiresAt)}`,
    );
  if (task.result) print(`result: ${task.result}`);
  if (task.reason) print(`reason: ${task.reason}`);
  for (const n of task.notes ?? []) print(`note ${ago(n.at)} by ${printable(n.by)}: ${n.text}`);
  const history = (await perform(ctx, 'listEvents', { subject: task.id, last: 10 })).events;
  for (const e of history) print(c.gray(`  ${printable(e.ts)}  ${printable(e.type)}  ${printable(e.actor)}`));
}

export async function update(
  ctx: Context,
  ref: string,
  opts: {
    title?: string;
    description?: string;
    priority?: string;
    tags?: string[];
    dep?: string[];
    removeDep?: string[];
  },
) {
  const task = await perform(
    ctx,
    'updateTask',
    {
      id: ref,
      title: opts.title,
      description: opts.description,
      priority: numberOrText(opts.priority),
      tags: opts.tags,
      addDeps: opts.dep,
      removeDeps: opts.removeDep,
    },
    { flags: UPDATE_FLAGS },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('updated')} ${line(task)}`);
}

function printClaim(ctx: Context, task: Task) {
  const claim = task.claim!;
  print(`${c.green('claimed')} ${line(task)}`);
  print(
    `  agent ${claim.agent}, lease until ${claim.expiresAt} (renew: ${ctx.invocation} a heartbeat ${claim.agent})`,
  );
  print(`  token ${claim.token}`);
  print(`  report: ${ctx.invocation} t complete ${task.id} "<result>" --agent ${claim.agent}`);
}

/** `t claim <id> <agent>`, or the OpSpawn seed's `t claim <ws> <id> <agent>`. */
export async function claim(
  ctx: Context,
  first: string,
  second: string,
  third: string | undefined,
  opts: { ttl?: string },
) {
  const { ref, rest: agent } = await taskArguments(ctx, [first, second, third], { orcMax: 2, seedMin: 3 });
  const task = await perform(
    ctx,
    'claimTask',
    { id: ref, agent, ttl: opts.ttl },
    { flags: { ttl: '--ttl' } },
  );
  if (ctx.json) return printJson(task);
  printClaim(ctx, task);
}

/** The agent a command acts for when none is named: $ORC_AGENT, else the agent tool's session. */
async function currentAgent(): Promise<string> {
  const { resolveAgentIdentity } = await subsystems.integrations();
  const { agent, reason } = resolveAgentIdentity(process.env);
  const { invalidInput } = await subsystems.shared();
  if (agent === null) throw invalidInput(`agent: say which agent (${reason})`, { field: 'agent' });
  return agent;
}

export async function next(
  ctx: Context,
  first: string | undefined,
  second: string | undefined,
  opts: { ttl?: string; brief?: boolean; budget?: string; another?: boolean },
) {
  const [workstream, named] = second === undefined ? [undefined, first] : [first, second];
  const agent = named ?? (await currentAgent());
  const { task, brief, knowledge } = await perform(
    ctx,
    'nextTask',
    {
      agent,
      workstream,
      ttl: opts.ttl,
      brief: Boolean(opts.brief),
      budget: numberOrText(opts.budget),
      another: opts.another,
    },
    {
      flags: { ttl: '--ttl', budget: '--budget' },
      context: { onWarning: (message) => warn(ctx, message, 'PROVIDER_FAILED') },
    },
  );
  if (ctx.json) return printJson(opts.brief ? { task, brief, knowledge } : task);
  if (!task) return print(`no ready task${workstream ? ` in ${workstream}` : ''}`);
  printClaim(ctx, task);
  if (brief !== null) {
    print();
    process.stdout.write(brief);
  }
}

const HOLDER_FLAGS = { agent: '--agent', token: '--token', force: '--force' } as const;
const UPDATE_FLAGS = {
  title: '--title',
  description: '--description',
  priority: '--priority',
  tags: '--tags',
  addDeps: '--dep',
  removeDeps: '--remove-dep',
} as const;

/** `t complete <id> [result]`, or the OpSpawn seed's `t complete <ws> <id> [result]` (also `t done`). */
export async function complete(
  ctx: Context,
  first: string,
  second: string | undefined,
  third: string | undefined,
  opts: HolderFlags,
) {
  const args = await taskArguments(ctx, [first, second, third], { orcMax: 2, seedMin: 2 });
  const holder = await holderFlags(ctx, args, opts);
  const task = await perform(
    ctx,
    'completeTask',
    { id: args.ref, result: args.rest, ...holder },
    { flags: HOLDER_FLAGS },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('completed')} ${line(task)}`);
}

/** `t fail <id> <reason>`, or `t fail <ws> <id> <reason>`. */
export async function fail(
  ctx: Context,
  first: string,
  second: string,
  third: string | undefined,
  opts: HolderFlags,
) {
  const args = await taskArguments(ctx, [first, second, third], { orcMax: 2, seedMin: 3 });
  const holder = await holderFlags(ctx, args, opts);
  const task = await perform(
    ctx,
    'failTask',
    { id: args.ref, reason: args.rest, ...holder },
    { flags: HOLDER_FLAGS },
  );
  if (ctx.json) return printJson(task);
  print(`${c.red('failed')} ${line(task)}`);
}

/** `t release <id>`, or `t release <ws> <id>`. */
export async function release(ctx: Context, first: string, second: string | undefined, opts: HolderFlags) {
  const args = await taskArguments(ctx, [first, second], { orcMax: 1, seedMin: 2 });
  const holder = await holderFlags(ctx, args, opts);
  const task = await perform(ctx, 'releaseTask', { id: args.ref, ...holder }, { flags: HOLDER_FLAGS });
  if (ctx.json) return printJson(task);
  print(`${c.yellow('released')} ${line(task)}`);
}

export async function cancel(ctx: Context, ref: string, opts: { reason?: string }) {
  const task = await perform(
    ctx,
    'cancelTask',
    { id: ref, reason: opts.reason },
    { flags: { reason: '--reason' } },
  );
  if (ctx.json) return printJson(task);
  print(`${c.gray('cancelled')} ${line(task)}`);
}

export async function reopen(ctx: Context, ref: string) {
  const task = await perform(ctx, 'reopenTask', { id: ref });
  if (ctx.json) return printJson(task);
  print(`${c.green('reopened')} ${line(task)}`);
}
