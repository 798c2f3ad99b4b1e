import { type Context, c, print, printJson, printable } from '../output.js';
import { perform } from '../operations.js';

/** `orc t note <id> "text" [--agent X]`: a progress note on a task (an event each), shown by `t show` and briefs. */
export async function note(ctx: Context, ref: string, text: string, opts: { agent?: string }) {
  const task = await perform(
    ctx,
    'addTaskNote',
    { id: ref, text, agent: opts.agent },
    { flags: { agent: '--agent' } },
  );
  if (ctx.json) return printJson(task);
  const added = task.notes!.at(-1)!;
  print(
    `${c.green('noted')} on ${printable(task.id)} by ${printable(added.by)} (${task.notes!.length} note(s))`,
  );
}
