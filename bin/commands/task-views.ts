import { numberOrText } from '../options.js';
import {
  type Context,
  c,
  cell,
  isFieldSelected,
  print,
  printJson,
  printable,
  safeJsonText,
  showAbsoluteTimes,
  statusColor,
  table,
  when,
} from '../output.js';
import { perform } from '../operations.js';
import { open } from './workspace.js';
import type { ListRow, Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

/*
 * Reading the board: `t list`, `t show`, `t tree`. The filters are the listTasks operation's, so
 * HTTP and MCP list what the CLI lists.
 */

export interface ListFlags {
  ws?: string;
  status?: string;
  agent?: string;
  tag?: string;
  ready?: boolean;
  search?: string;
  limit?: string;
  all?: boolean;
  runs?: boolean;
}

const HEAD = ['id', 'ws', 'pri', 'status', 'title', 'agent', 'deps'];
const TITLE = HEAD.indexOf('title');

const byId = (tasks: readonly Task[]) => new Map(tasks.map((t) => [t.id, t]));

/**
 * `t list --json` of the whole board: the same one JSON array printJson would print, written in pieces
 * as the tasks are read one at a time (see visitTasks), so memory does not grow with the board.
 */
async function streamJson(
  ctx: Context,
  filter: Record<string, string | boolean | undefined>,
  limit: number | string | undefined,
): Promise<void> {
  const [{ visitTasks, visitTaskRows }, { operations, parseInput }] = await Promise.all([
    subsystems.board(),
    subsystems.operations(),
  ]);
  // Checked as the listTasks operation checks it, so that a bad filter reads the same.
  const checked = parseInput(operations.listTasks, { ...filter, limit }) as Parameters<
    typeof visitTasks
  >[1] & { limit?: number };
  let text = '[';
  let first = true;
  const write = (json: string) => {
    text += first ? safeJsonText(json) : `,${safeJsonText(json)}`;
    first = false;
    if (text.length < 64 * 1024) return;
    const flowing = process.stdout.write(text);
    text = '';
    // A pipe that is full: wait for it to drain, rather than hold the rest of the board in memory.
    if (!flowing) return new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  };
  if (limit === undefined) await visitTasks(open(ctx), checked, write);
  else if (!(await visitTaskRows(open(ctx), checked, checked.limit, write)))
    // The task index could not serve: the page from the operation, printed the same way.
    for (const task of await perform(ctx, 'listTasks', { ...filter, limit })) write(JSON.stringify(task));
  process.stdout.write(`${text}]\n`);
}

/**
 * `t list`: for people, open and claimed work first, done and cancelled hidden unless `--all` or a
 * `--status` asks, run steps unless `--runs` (or their `--ws`), and a count line. `--json` lists every
 * task the filters match, as before (agents and scripts rely on it); `--limit` and `--search` apply.
 */
export async function list(ctx: Context, wsArg: string | undefined, opts: ListFlags) {
  const workstream = opts.ws ?? wsArg;
  const filter = {
    workstream,
    status: opts.status,
    agent: opts.agent,
    tag: opts.tag,
    ready: opts.ready,
    search: opts.search,
  };
  const limit = numberOrText(opts.limit);
  // Streamed unless `ready` or `search` (with a limit) want the full path, or a field is selected.
  if (ctx.json && !filter.ready && (limit === undefined || filter.search === undefined) && !isFieldSelected())
    return streamJson(ctx, filter, limit);
  if (ctx.json) return printJson(await perform(ctx, 'listTasks', { ...filter, limit }));
  const { narrowTasks, checkLimit, pageTaskRows } = await subsystems.board();
  const narrowingOf = () => ({
    hideFinished: !opts.all && opts.status === undefined,
    hideRuns: !opts.all && !opts.runs && !workstream?.startsWith('run-'),
    limit: checkLimit(limit),
  });
  if (!filter.ready && filter.search === undefined) {
    const { operations, parseInput } = await subsystems.operations();
    // Checked as the listTasks operation checks it, so that a bad filter reads the same.
    const checked = parseInput(operations.listTasks, filter) as Parameters<typeof pageTaskRows>[1];
    // Only the rows shown are read (see pageTaskRows); undefined when the task index cannot serve.
    const page = await pageTaskRows(open(ctx), checked, narrowingOf());
    if (page) return printList(page.tasks, page.total, page.hidden, (id) => page.depStatus.get(id));
  }
  const matched = await perform(ctx, 'listTasks', filter);
  const { tasks, hidden } = narrowTasks(matched, narrowingOf());
  const narrowed = Object.values(filter).some((v) => v !== undefined);
  // The tasks a shown row's deps name: none to look up when no row has deps (`--limit 50` of 100,000).
  const withDeps = tasks.some((t) => t.deps.length);
  const everyTask = !withDeps
    ? new Map<string, Task>()
    : narrowed
      ? byId(await perform(ctx, 'listTasks', {}))
      : byId(matched);
  const shown = tasks.map((t) => ({ ...t, agent: t.claim?.agent }));
  await printList(shown, matched.length, hidden, (id) => everyTask.get(id)?.status);
}

/** The table of `t list` and its count line; `statusOf` a dependency's status (undefined: missing). */
async function printList(
  tasks: readonly ListRow[],
  total: number,
  hidden: { finished: number; runs: number; limit: number },
  statusOf: (id: string) => string | undefined,
) {
  const rows = tasks.map((t) => {
    const blocking = t.status === 'open' ? t.deps.filter((dep) => statusOf(dep) !== 'done') : [];
    const deps =
      t.status !== 'open'
        ? t.deps.length || ''
        : blocking.length
          ? c.yellow(`blocked by ${blocking.length}`)
          : 'ready';
    return [
      printable(t.id),
      printable(t.workstream),
      t.priority,
      statusColor(t.status),
      t.title,
      printable(t.agent),
      deps,
    ];
  });
  // At a terminal the table cuts the title to what the other columns leave; in a pipe, at 50.
  const titleMax = process.stdout.isTTY === true ? process.stdout.columns : 50;
  for (const row of rows) row[TITLE] = cell(String(row[TITLE]), titleMax);
  if (tasks.length > 0) print(await table(HEAD, rows, { cut: ['title'] }));
  else print('no tasks match');
  countLine(tasks.length, total, hidden);
}

/**
 * "12 of 40 tasks shown; --all for done and cancelled": on stdout at a terminal, on stderr for a pipe,
 * so that `cut` and `wc -l` see only the table's lines.
 */
function countLine(shown: number, total: number, hidden: { finished: number; runs: number; limit: number }) {
  if (total === 0) return;
  const hints = [
    hidden.finished ? `--all for ${hidden.finished} done and cancelled` : '',
    hidden.runs ? `--runs for ${hidden.runs} run steps` : '',
    hidden.limit ? `--limit for ${hidden.limit} more` : '',
  ].filter(Boolean);
  const text = c.gray(`${shown} of ${total} tasks shown${hints.length ? `; ${hints.join(', ')}` : ''}`);
  if (process.stdout.isTTY === true) print(text);
  else process.stderr.write(`${text}\n`);
}

function line(t: Task): string {
  return `${c.bold(printable(t.id))} ${JSON.stringify(t.title)} (${printable(t.workstream)}, priority ${t.priority}, ${statusColor(t.status)})`;
}

const brief = (t: Task | undefined, id: string) =>
  t
    ? `${printable(id)} ${JSON.stringify(t.title)} (${statusColor(t.status)})`
    : `${printable(id)} ${c.red('(missing)')}`;

/** `t show`: the task, what it depends on, what it blocks, its claim, notes and history. */
export async function show(ctx: Context, ref: string, opts: { absolute?: boolean; history?: boolean } = {}) {
  showAbsoluteTimes(opts.absolute);
  const task = await perform(ctx, 'getTask', { id: ref });
  if (ctx.json) return printJson(task);
  const { taskNeighbours } = await subsystems.board();
  const { RECENT_HISTORY_BYTES } = await subsystems.storage();
  // Its dependencies and dependents only, not the whole board (100,000 tasks).
  const { deps, dependents } = await taskNeighbours(open(ctx), task);
  print(line(task));
  if (task.description) print(`\n${task.description}\n`);
  if (task.tags.length) print(`tags: ${task.tags.join(', ')}`);
  for (const dep of task.deps) print(`depends on: ${brief(deps.get(dep), dep)}`);
  for (const d of dependents) print(`blocks: ${brief(d, d.id)}`);
  if (task.claim)
    print(
      `claimed by ${printable(task.claim.agent)} ${when(task.claim.claimedAt)}, lease ends ${when(task.claim.expiresAt)}`,
    );
  if (task.result) print(`result: ${task.result}`);
  if (task.reason) print(`reason: ${task.reason}`);
  for (const n of task.notes ?? []) print(`note ${when(n.at)} by ${printable(n.by)}: ${n.text}`);
  // By default the history is looked for in the log's recent end only (RECENT_HISTORY_BYTES), so that showing
  // a task costs the same whatever the log has accumulated; --history reads it all.
  const read = await perform(
    ctx,
    'listEvents',
    opts.history ? { subject: task.id } : { subject: task.id, last: 10, within: RECENT_HISTORY_BYTES },
  );
  for (const e of read.events)
    print(c.gray(`  ${when(e.ts).padEnd(8)}  ${printable(e.type)}  ${printable(e.actor)}`));
  if (read.truncated)
    print(
      c.gray(`  (older events are not shown: \`orc t show ${printable(task.id)} --history\` reads them all)`),
    );
}

/** `t tree <id>`: the task and its dependencies, indented, each with its status. */
export async function tree(ctx: Context, ref: string) {
  const root = await perform(ctx, 'getTask', { id: ref });
  const { dependencyTree } = await subsystems.board();
  const nodes = dependencyTree(root.id, byId(await perform(ctx, 'listTasks', {})));
  if (ctx.json)
    return printJson(
      nodes.map((n) => ({
        id: n.id,
        depth: n.depth,
        status: n.task?.status ?? null,
        title: n.task?.title ?? null,
        ...(n.cycle ? { cycle: true } : {}),
      })),
    );
  for (const n of nodes) {
    const text = n.task
      ? `${c.bold(printable(n.id))} ${statusColor(n.task.status)} ${cell(n.task.title, 80)}`
      : `${printable(n.id)} ${c.red('(missing)')}`;
    print(
      `${'  '.repeat(n.depth)}${n.depth ? '└ ' : ''}${text}${n.cycle ? c.red(' (cycle: already above)') : ''}`,
    );
  }
}
