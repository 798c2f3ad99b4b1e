import { optionalWholeNumber } from '../options.js';
import { type Context, c, cell, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { collectCycle, startCycle } = await subsystems.board();
const { parseSince } = await subsystems.shared();

export async function plan(ctx: Context, opts: { per?: string }) {
  const per = optionalWholeNumber('--per', opts.per, 1, 1000);
  const result = await startCycle(open(ctx), { actor: ctx.actor, perWorkstream: per });
  if (ctx.json) return printJson(result);
  print(`cycle ${c.bold(result.cycle)}; free agents: ${result.freeAgents.join(', ') || 'none'}`);
  if (result.workstreams.length === 0) print('nothing is ready');
  for (const w of result.workstreams) {
    print(c.bold(w.name));
    for (const t of w.parallel)
      print(
        `  ${c.green('parallel')} ${t.id} ${cell(t.title, 50)}${t.agent ? ` → ${t.agent}` : ' (no free agent fits)'}`,
      );
    for (const t of w.serial) print(`  ${c.yellow('serial')}   ${t.id} ${cell(t.title, 50)} (${t.waitsFor})`);
  }
}

export async function collect(ctx: Context, opts: { since?: string }) {
  const since = opts.since === undefined ? undefined : parseSince(opts.since, undefined, '--since');
  const results = await collectCycle(open(ctx), { since });
  if (ctx.json) return printJson(results);
  print(`cycle ${results.cycle ?? '(none started)'} since ${results.since}`);
  print(
    `completed ${results.completed.length}, failed ${results.failed.length}, in hand ${results.claimed.length}`,
  );
  for (const r of results.completed)
    print(`  ${c.green('done')}   ${r.task} ${cell(r.title, 40)} (${r.agent ?? '?'}): ${cell(r.result, 60)}`);
  for (const r of results.failed)
    print(`  ${c.red('failed')} ${r.task} ${cell(r.title, 40)} (${r.agent ?? '?'}): ${cell(r.reason, 60)}`);
  for (const r of results.claimed)
    print(`  ${c.cyan('held')}   ${r.task} ${cell(r.title, 40)} by ${r.agent}`);
}
