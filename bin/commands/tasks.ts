import { briefBudgetOption, choiceOption, durationOption } from '../options.js';
import { type Context, ago, c, cell, print, printJson, printable, statusColor, table } from '../output.js';
import { open } from './workspace.js';
import type { HolderOptions, Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const {
  claimTask,
  completeTask,
  failTask,
  nextTask,
  releaseTask,
  addTask,
  cancelTask,
  getTask,
  listTasks,
  reopenTask,
  updateTask,
} = await subsystems.board();
const { readEvents } = await subsystems.storage();
const { TASK_STATUSES } = await subsystems.records();

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
  const task = await addTask(
    open(ctx),
    { workstream, title, description, priority, deps: opts.dep, tags: opts.tag },
    { actor: ctx.actor },
  );
  if (ctx.json) return printJson(task);
  print(`${c.green('added')} ${line(task)}`);
}

export async function list(
  ctx: Context,
  wsArg: string | undefined,
  opts: { ws?: string; status?: string; agent?: string; tag?: string; ready?: boolean },
) {
  const status = choiceOption('--status', opts.status, TASK_STATUSES);
  const tasks = await listTasks(open(ctx), {
    workstream: opts.ws ?? wsArg,
    status,
    agent: opts.agent,
    tag: opts.tag,
    ready: opts.ready,
  });
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
  const ws = open(ctx);
  const task = await getTask(ws, ref);
  if (ctx.json) return printJson(task);
  print(line(task));
  if (task.description) print(`\n${task.description}\n`);
  if (task.tags.length) print(`tags: ${task.tags.join(', ')}`);
  for (const dep of task.deps) {
    const d = await getTask(ws, dep).catch(() => undefined);
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
  const history = readEvents(ws, { subject: task.id, last: 10 }).events;
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
  const task = await updateTask(
    open(ctx),
    ref,
    {
      title: opts.title,
      description: opts.description,
      priority: opts.priority,
      tags: opts.tags,
      addDeps: opts.dep,
      removeDeps: opts.removeDep,
    },
    { actor: ctx.actor },
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

export async function claim(ctx: Context, ref: string, agent: string, opts: { ttl?: string }) {
  const ttlMs = durationOption('--ttl', opts.ttl);
  const task = await claimTask(open(ctx), ref, agent, { ttlMs, actor: ctx.actor });
  if (ctx.json) return printJson(task);
  printClaim(ctx, task);
}

export async function next(
  ctx: Context,
  first: string,
  second: string | undefined,
  opts: { ttl?: string; brief?: boolean; budget?: string; another?: boolean },
) {
  const [workstream, agent] = second === undefined ? [undefined, first] : [first, second];
  // Both before the claim: a claim whose brief then fails leaves the agent without its token.
  const ttlMs = durationOption('--ttl', opts.ttl);
  briefBudgetOption(opts.budget);
  const ws = open(ctx);
  // Loaded only with --brief: the plain `t next` stays as light as it was.
  const briefs = opts.brief ? await import('./briefs.js') : undefined;
  briefs?.checkBrief(ws, opts); // before the claim: a brief that fails afterwards would lose its token
  const task = await nextTask(ws, { agent, workstream, ttlMs, actor: ctx.actor, another: opts.another });
  if (briefs) {
    const { briefFor } = briefs;
    const result = task ? await briefFor(ctx, ws, task, opts, true) : undefined;
    if (ctx.json)
      return printJson({ task, brief: result?.brief ?? null, knowledge: result?.knowledge ?? [] });
    if (!task) return print(`no ready task${workstream ? ` in ${workstream}` : ''}`);
    printClaim(ctx, task);
    print();
    process.stdout.write(result!.brief);
    return;
  }
  if (ctx.json) return printJson(task);
  if (!task) return print(`no ready task${workstream ? ` in ${workstream}` : ''}`);
  printClaim(ctx, task);
}

type HolderFlags = { agent?: string; token?: string; force?: boolean };
const holder = (ctx: Context, opts: HolderFlags): HolderOptions => ({ ...opts, actor: ctx.actor });

export async function complete(ctx: Context, ref: string, result: string | undefined, opts: HolderFlags) {
  const task = await completeTask(open(ctx), ref, result, holder(ctx, opts));
  if (ctx.json) return printJson(task);
  print(`${c.green('completed')} ${line(task)}`);
}

export async function fail(ctx: Context, ref: string, reason: string, opts: HolderFlags) {
  const task = await failTask(open(ctx), ref, reason, holder(ctx, opts));
  if (ctx.json) return printJson(task);
  print(`${c.red('failed')} ${line(task)}`);
}

export async function release(ctx: Context, ref: string, opts: HolderFlags) {
  const task = await releaseTask(open(ctx), ref, holder(ctx, opts));
  if (ctx.json) return printJson(task);
  print(`${c.yellow('released')} ${line(task)}`);
}

export async function cancel(ctx: Context, ref: string, opts: { reason?: string }) {
  const task = await cancelTask(open(ctx), ref, { reason: opts.reason, actor: ctx.actor });
  if (ctx.json) return printJson(task);
  print(`${c.gray('cancelled')} ${line(task)}`);
}

export async function reopen(ctx: Context, ref: string) {
  const task = await reopenTask(open(ctx), ref, { actor: ctx.actor });
  if (ctx.json) return printJson(task);
  print(`${c.green('reopened')} ${line(task)}`);
}
