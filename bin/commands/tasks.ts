import { descriptionAndPriority, numberOrText } from '../options.js';
import { type Context, c, print, printJson, printable, statusColor, when, warn } from '../output.js';
import { perform } from '../operations.js';
import { type HolderFlags, holderFlags, sessionAgent, taskArguments } from './task-forms.js';
import type { Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

function line(t: Task): string {
  return `${c.bold(printable(t.id))} ${JSON.stringify(t.title)} (${printable(t.workstream)}, priority ${t.priority}, ${statusColor(t.status)})`;
}

export interface AddFlags {
  ws?: string;
  description?: string;
  priority?: string;
  dep?: string[];
  tag?: string[];
}

/**
 * `t add <ws> <title> [description] [priority]`, or with `--ws`: `t add <title> [description]
 * [priority]`; `--description` and `--priority` stand for the positional ones (not both).
 */
export async function add(ctx: Context, ...args: [...Array<string | undefined>, AddFlags]) {
  const opts = args.pop() as AddFlags;
  const given = (args as Array<string | undefined>).filter((a): a is string => a !== undefined);
  const [workstream, title, ...rest] = opts.ws !== undefined ? [opts.ws, ...given] : given;
  const { invalidInput } = await subsystems.shared();
  if (rest.length > 2)
    throw invalidInput(
      'too many arguments: t add <ws> <title> [description] [priority] (with --ws, no <ws>); quote a title of several words',
    );
  // Worded as commander words a missing argument: scripts and tests match on it.
  for (const [name, value] of [
    ['ws', workstream],
    ['title', title],
  ] as const) {
    if (value === undefined)
      throw invalidInput(
        `missing required argument '${name}' (t add <ws> <title>, or t add --ws <ws> <title>)`,
      );
  }
  const { description, priority } = descriptionAndPriority(rest as [string?, string?], opts);
  const task = await perform(
    ctx,
    'addTask',
    {
      workstream,
      title,
      description,
      priority: numberOrText(priority),
      deps: opts.dep,
      tags: opts.tag,
    },
    // The workstream is named by --ws only when --ws gave it (an argument is named as the field).
    { flags: { deps: '--dep', tags: '--tag', ...(opts.ws !== undefined && { workstream: '--ws' }) } },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('added')} ${line(task)}`);
}

export async function update(
  ctx: Context,
  ref: string,
  opts: {
    title?: string;
    description?: string;
    priority?: string;
    tags?: string[];
    tag?: string[];
    dep?: string[];
    removeDep?: string[];
  },
) {
  // --tag (repeatable, as on add) and --tags a,b both replace the tags; given together, all of them.
  const tags = opts.tag || opts.tags ? [...(opts.tags ?? []), ...(opts.tag ?? [])] : undefined;
  const task = await perform(
    ctx,
    'updateTask',
    {
      id: ref,
      title: opts.title,
      description: opts.description,
      priority: numberOrText(opts.priority),
      tags,
      addDeps: opts.dep,
      removeDeps: opts.removeDep,
    },
    { flags: { ...UPDATE_FLAGS, tags: opts.tag ? '--tag' : '--tags' } },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('updated')} ${line(task)}`);
}

function printClaim(ctx: Context, task: Task) {
  const claim = task.claim!;
  print(`${c.green('claimed')} ${line(task)}`);
  print(
    `  agent ${claim.agent}, lease ends ${when(claim.expiresAt)} (renew: ${ctx.invocation} a heartbeat ${claim.agent})`,
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
  const { agent, reason } = await sessionAgent();
  const { invalidInput } = await subsystems.shared();
  if (agent === null) throw invalidInput(`agent: say which agent (${reason})`, { field: 'agent' });
  return agent;
}

export async function next(
  ctx: Context,
  first: string | undefined,
  second: string | undefined,
  opts: { ws?: string; ttl?: string; brief?: boolean; budget?: string; another?: boolean },
) {
  const [workstream, named] =
    opts.ws !== undefined
      ? [opts.ws, second ?? first]
      : second === undefined
        ? [undefined, first]
        : [first, second];
  if (opts.ws !== undefined && second !== undefined) {
    const { invalidInput } = await subsystems.shared();
    throw invalidInput('workstream: given twice, as an argument and as --ws; keep one', {
      field: 'workstream',
    });
  }
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
  tags: '--tag',
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
