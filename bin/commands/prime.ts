import { type Context, print, printJson } from '../output.js';
import { perform } from '../operations.js';
import { sessionAgent } from './task-forms.js';

/**
 * `orc prime [--agent X] [--json]`: the primer for an agent's session start or after compaction. With
 * no --agent it primes whoever `t next` would claim for ($ORC_AGENT, else the agent tool's session).
 */
export async function prime(ctx: Context, opts: { agent?: string }) {
  const agent = opts.agent ?? (await sessionAgent()).agent ?? undefined;
  const { text, ...facts } = await perform(ctx, 'primeAgent', { agent }, { flags: { agent: '--agent' } });
  if (ctx.json) return printJson(facts);
  print(text.trimEnd());
}
