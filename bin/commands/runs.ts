import { numberOrText } from '../options.js';
import { perform } from '../operations.js';
import { type Context, ago, c, cell, print, printJson, printable, table, warn } from '../output.js';
import { open } from './workspace.js';
import type { Run, Workspace } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';
import { runInBackground } from '../background.js';
import { type LiveTable, drawLiveTable, stepColor } from './live-steps.js';

const { OrcError, invalidInput, quote } = await subsystems.shared();
const { readEventsFrom } = await subsystems.storage();
const { loadOrchestratorConfig } = await subsystems.config();
const { executeRun } = await subsystems.execution();
const { runLeaseHolder, getRun, resolveRunId, waitingGate } = await subsystems.runs();
const { TERMINAL_RUN } = await subsystems.records();

function parsePayload(pairs: string[] = []): Record<string, string> {
  const payload: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalidInput(`--payload ${quote(pair)} must be key=value`);
    payload[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return payload;
}

async function stepTable(run: Run): Promise<string> {
  return table(
    ['step', 'agent', 'status', 'deps', 'gate', 'task'],
    run.steps.map((s) => [
      s.id,
      s.agent,
      stepColor(s.status),
      s.deps.join(',') || '',
      [s.gate, s.afterGate].flatMap((g) => (g ? [`${g.mode} (${g.source})`] : [])).join(', '),
      cell(s.task, 40),
    ]),
  );
}

/**
 * Live progress: on a terminal a step table drawn once whose changed rows are rewritten in place
 * (live-steps.ts); otherwise, or when the table is taller than the terminal, a line per step change.
 */
function progressPrinter(ctx: Context) {
  const seen = new Map<string, string>();
  let live: LiveTable | undefined;
  return (run: Run) => {
    if (ctx.json) return;
    if (process.stdout.isTTY && live === undefined)
      live = drawLiveTable(run, process.stdout, process.stdout.rows || 24);
    if (live?.drawn) {
      live.update(run);
      return;
    }
    for (const step of run.steps) {
      if (seen.get(step.id) === step.status) continue;
      seen.set(step.id, step.status);
      const extra = step.error ? `: ${cell(step.error, 80)}` : '';
      print(`${new Date().toISOString()} ${step.id} (${step.agent}) ${step.status}${extra}`);
    }
  };
}

function summary(ctx: Context, run: Run): void {
  if (ctx.json) {
    printJson(run);
    return;
  }
  print(`run ${c.bold(run.id)} ${stepColor(run.status)}`);
  const waiting = run.steps.filter((s) => s.status === 'waiting_approval');
  for (const s of waiting) {
    // A step with two gates waits at the one it has reached: before it runs, or with its output.
    const gate = waitingGate(s)?.gate;
    const criteria = gate?.criteria ? ` (criteria: ${printable(gate.criteria)})` : '';
    print(
      `  ${s.id} waits for approval${criteria}: ${ctx.invocation} approve ${run.id} ${s.id}  |  ${ctx.invocation} reject ${run.id} ${s.id} --reason "…"`,
    );
  }
}

function endOf(run: Run): void {
  if (run.status === 'failed' || run.status === 'cancelled') {
    const failed = run.steps
      .filter((s) => s.status === 'failed' || s.status === 'rejected')
      .map((s) => `${s.id}: ${s.error}`);
    throw new OrcError(
      'RUN_FAILED',
      `run ${run.id} ${run.status}${failed.length ? ` (${cell(failed.join('; '), 200)})` : ''}`,
    );
  }
}

async function runToEnd(ctx: Context, ws: Workspace, runId: string, waitForLeaseMs = 0): Promise<Run> {
  const config = loadOrchestratorConfig(ws);
  const show = progressPrinter(ctx);
  return executeRun(ws, runId, {
    config,
    onProgress: show,
    waitForLeaseMs,
    onWarning: (message) => warn(ctx, message, 'DEGRADED'),
    invocation: ctx.invocation,
  });
}

/** `orc run`'s subcommands, which a one-word task close to one of them most likely meant. */
const RUN_SUBCOMMANDS = ['status', 'list', 'cancel', 'resume', 'watch'];

/**
 * A task of one word within two edits of a subcommand (`stauts`, `lsit`), or `help`, is a typo, not
 * a task: planning it would pay a model and run the agents. Refused before anything is stored.
 */
function refuseMistypedSubcommand(ctx: Context, task: string): void {
  if (/\s/.test(task)) return;
  const word = task.toLowerCase();
  const meant =
    word === 'help' || word === '-h'
      ? '--help'
      : RUN_SUBCOMMANDS.find((name) => word !== name && editDistance(word, name) <= 2);
  if (meant === undefined) return;
  throw invalidInput(
    `did you mean \`${ctx.invocation} run ${meant}\`? A task of one word that close to a subcommand is not run; say more (${ctx.invocation} run "${task} …")`,
    { task, suggestion: meant },
  );
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

export async function runCommand(
  ctx: Context,
  words: string[],
  opts: { flow?: string; payload?: string[]; detach?: boolean; concurrency?: string },
) {
  const task = words.join(' ').trim();
  if (!task) throw invalidInput('say what to do: orc run "<task>"');
  refuseMistypedSubcommand(ctx, task);
  // Before planning, which may pay an LLM.
  const payload = parsePayload(opts.payload);
  const ws = open(ctx);
  // In the foreground this process runs the steps itself, showing progress; --detach hands them to a
  // background `orc run resume`.
  const run = await perform(
    ctx,
    'startRun',
    { task, flow: opts.flow, payload, concurrency: numberOrText(opts.concurrency) },
    {
      flags: { flow: '--flow', payload: '--payload', concurrency: '--concurrency' },
      context: { continueRun: opts.detach ? runInBackground(ctx.invocation) : () => {} },
    },
  );
  if (opts.detach) {
    if (ctx.json) return printJson({ id: run.id, status: run.status });
    return print(`${run.id}\n(running in the background: ${ctx.invocation} run watch ${run.id})`);
  }
  const { plan } = run;
  if (!ctx.json)
    print(
      `run ${c.bold(run.id)}: ${run.steps.length} step(s), planned by ${plan.source}${plan.flow ? ` (flow ${plan.flow})` : ''}`,
    );
  const final = await runToEnd(ctx, ws, run.id);
  summary(ctx, final);
  endOf(final);
}

export async function resume(ctx: Context, ref: string, opts: { waitLease?: boolean }) {
  const ws = open(ctx);
  const id = resolveRunId(ws, ref);
  if (TERMINAL_RUN.has(getRun(ws, id).status))
    throw new OrcError('CONFLICT', `run ${id} has ended: nothing to resume`);
  const final = await runToEnd(ctx, ws, id, opts.waitLease ? 15_000 : 0);
  summary(ctx, final);
  endOf(final);
}

export async function status(ctx: Context, ref: string) {
  const run = await perform(ctx, 'getRun', { run: ref });
  if (ctx.json) return printJson(run);
  print(
    `run ${c.bold(run.id)} ${stepColor(run.status)}, started ${ago(run.createdAt)}, planned by ${run.plan.source}`,
  );
  print(`task: ${run.task}`);
  print(await stepTable(run));
  for (const s of run.steps) {
    for (const g of [s.gate, s.afterGate])
      if (g?.source === 'policy') print(`  ${s.id} gated by policy rule ${g.rule} (${g.mode})`);
    if (s.output) print(`  ${s.id} output: ${cell(s.output, 100)}`);
    if (s.error) print(`  ${s.id} error: ${cell(s.error, 100)}`);
  }
  summary({ ...ctx, json: false }, run);
}

export async function list(ctx: Context, opts: { status?: string }) {
  const runs = await perform(ctx, 'listRuns', { status: opts.status }, { flags: { status: '--status' } });
  if (ctx.json) return printJson(runs);
  if (runs.length === 0) return print('no runs');
  print(
    await table(
      ['id', 'status', 'steps', 'started', 'task'],
      runs.map((r) => [
        r.id,
        stepColor(r.status),
        // Without `full`, steps come as counts.
        `${(r as { done: number }).done}/${r.steps as number}`,
        ago(r.createdAt),
        cell(r.task, 50),
      ]),
    ),
  );
}

export async function cancel(ctx: Context, ref: string, opts: { reason?: string }) {
  const run = await perform(
    ctx,
    'cancelRun',
    { run: ref, reason: opts.reason },
    { flags: { reason: '--reason' } },
  );
  if (ctx.json) return printJson(run);
  print(`${c.yellow('cancelled')} run ${run.id}`);
}

/** Follows a run's events until it ends (or waits for approval, with --until-waiting). */
export async function watch(ctx: Context, ref: string) {
  const ws = open(ctx);
  const id = resolveRunId(ws, ref);
  let offset = 0;
  for (;;) {
    const read = readEventsFrom(ws, offset);
    offset = read.offset;
    for (const e of read.events) {
      if (e.subject !== id && !e.subject.startsWith(`${id}/`)) continue;
      if (ctx.json) print(JSON.stringify(e));
      else print(`${c.gray(e.ts)} ${e.type} ${e.subject}`);
    }
    const run = getRun(ws, id);
    const idle = run.status === 'waiting_approval' && !runLeaseHolder(ws, id);
    if (TERMINAL_RUN.has(run.status) || idle) {
      if (!ctx.json) summary(ctx, run);
      return endOf(run);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function decide(
  ctx: Context,
  ref: string,
  step: string | undefined,
  decision: 'approve' | 'reject',
  note?: string,
) {
  const decided = await perform(
    ctx,
    'decideGate',
    { run: ref, step, approved: decision === 'approve', note },
    {
      flags: { note: decision === 'approve' ? '--note' : '--reason' },
      context: { continueRun: runInBackground(ctx.invocation) },
    },
  );
  if (ctx.json) return printJson(decided);
  print(
    `${decision === 'approve' ? c.green('approved') : c.red('rejected')} ${decided.run} ${decided.step}; run ${stepColor(decided.status)}`,
  );
}

export async function approve(ctx: Context, ref: string, step: string | undefined, opts: { note?: string }) {
  await decide(ctx, ref, step, 'approve', opts.note);
}

export async function reject(ctx: Context, ref: string, step: string | undefined, opts: { reason?: string }) {
  await decide(ctx, ref, step, 'reject', opts.reason);
}
