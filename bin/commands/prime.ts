import { type Context, print, printJson } from '../output.js';
import { perform } from '../operations.js';
import { subsystems } from '../../lib/cli.js';

const { envValue } = await subsystems.shared();

/** `orc prime [--agent X] [--json]`: the primer for an agent's session start or after compaction. */
export async function prime(ctx: Context, opts: { agent?: string }) {
  const agent = opts.agent ?? envValue(process.env, 'AGENT');
  const { text, ...facts } = await perform(ctx, 'primeAgent', { agent }, { flags: { agent: '--agent' } });
  if (ctx.json) return printJson(facts);
  print(text.trimEnd());
}
