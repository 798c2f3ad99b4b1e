import { textOption } from '../options.js';
import { type Context, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { primeAgent, renderPrime } = await subsystems.board();

/** `orc prime [--agent X] [--json]`: the primer for an agent's session start or after compaction. */
export async function prime(ctx: Context, opts: { agent?: string }) {
  const agent = textOption('--agent', opts.agent) ?? (process.env.ORC_AGENT || undefined);
  const facts = await primeAgent(open(ctx), { agent, invocation: ctx.invocation });
  if (ctx.json) return printJson(facts);
  print(renderPrime(facts).trimEnd());
}
