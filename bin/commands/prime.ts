import { type Context, print, printJson } from '../output.js';
import { perform } from '../operations.js';

/** `orc prime [--agent X] [--json]`: the primer for an agent's session start or after compaction. */
export async function prime(ctx: Context, opts: { agent?: string }) {
  const agent = opts.agent ?? (process.env.ORC_AGENT || undefined);
  const { text, ...facts } = await perform(ctx, 'primeAgent', { agent }, { flags: { agent: '--agent' } });
  if (ctx.json) return printJson(facts);
  print(text.trimEnd());
}
