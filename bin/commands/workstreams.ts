import { type Context, c, cell, print, printJson, statusColor, table } from '../output.js';
import { open } from './workspace.js';
import { perform } from '../operations.js';
import { descriptionAndPriority, numberOrText } from '../options.js';
import { subsystems } from '../../lib/cli.js';

const { loadTasks } = await subsystems.storage();
const { TASK_STATUSES } = await subsystems.records();
const { archiveWorkstream, getWorkstream, updateWorkstream, compareTasks } = await subsystems.board();

/** `ws create <name> [description] [priority]`, or `-d/--description` and `-p/--priority` (as `t add`). */
export async function create(
  ctx: Context,
  name: string,
  descriptionArgument: string | undefined,
  priorityArgument: string | undefined,
  opts: { description?: string; priority?: string },
) {
  const { description, priority } = descriptionAndPriority([descriptionArgument, priorityArgument], opts);
  const w = await perform(ctx, 'createWorkstream', { name, description, priority: numberOrText(priority) });
  if (ctx.json) return printJson(w);
  print(`${c.green('created')} workstream ${c.bold(w.name)} (priority ${w.priority})`);
}

export async function list(ctx: Context) {
  const streams = await perform(ctx, 'listWorkstreams', {});
  if (ctx.json) return printJson(streams);
  if (streams.length === 0) return print('no workstreams yet: orc ws create <name> [description] [priority]');
  print(
    await table(
      ['name', 'pri', 'status', ...TASK_STATUSES, 'description'],
      streams.map((w) => [
        w.name,
        w.priority,
        statusColor(w.status),
        ...TASK_STATUSES.map((s) => w.counts[s]!),
        cell(w.description, 40),
      ]),
    ),
  );
}

export async function show(ctx: Context, name: string) {
  const ws = open(ctx);
  const w = getWorkstream(ws, name);
  const tasks = [...(await loadTasks(ws)).values()].filter((t) => t.workstream === name).sort(compareTasks);
  if (ctx.json) return printJson({ ...w, tasks });
  print(`${c.bold(w.name)}  priority ${w.priority}  ${statusColor(w.status)}`);
  if (w.description) print(w.description);
  if (tasks.length === 0) return print('no tasks');
  print(
    await table(
      ['id', 'pri', 'status', 'title', 'agent'],
      tasks.map((t) => [t.id, t.priority, statusColor(t.status), cell(t.title), t.claim?.agent ?? '']),
    ),
  );
}

export async function update(ctx: Context, name: string, opts: { description?: string; priority?: string }) {
  const w = await updateWorkstream(open(ctx), name, opts, { actor: ctx.actor });
  if (ctx.json) return printJson(w);
  print(`${c.green('updated')} workstream ${c.bold(w.name)}`);
}

export async function archive(ctx: Context, name: string) {
  const w = await archiveWorkstream(open(ctx), name, { actor: ctx.actor });
  if (ctx.json) return printJson(w);
  print(`${c.green('archived')} workstream ${c.bold(w.name)}`);
}
