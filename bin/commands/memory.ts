import { wholeNumberOption } from '../options.js';
import { type Context, c, print, printJson, table } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { listMemories, pruneMemories } = await subsystems.memory();

export async function list(ctx: Context) {
  const memories = listMemories(open(ctx));
  if (ctx.json) return printJson(memories.map(({ path: _path, ...m }) => m));
  if (memories.length === 0)
    return print('no memories yet: completed runs are consolidated into knowledge/runs/');
  print(
    await table(
      ['memory', 'updated', 'days', 'recalls', 'relevance'],
      memories.map((m) => [m.name, m.updated, m.days, m.recalls, m.relevance.toFixed(3)]),
    ),
  );
}

export async function prune(ctx: Context, opts: { budget: string }) {
  const budget = wholeNumberOption('--budget', opts.budget, 0);
  const result = await pruneMemories(open(ctx), budget, { actor: ctx.actor });
  if (ctx.json) return printJson(result);
  print(
    `${c.green('kept')} ${result.kept}; archived ${result.archived.length} to knowledge/archive/${result.archived.length ? `: ${result.archived.join(', ')}` : ''}`,
  );
}
