import { textOption } from '../options.js';
import { type Context, c, print, printJson, printable } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { addTaskNote } = await subsystems.board();

/** `orc t note <id> "text" [--agent X]`: a progress note on a task (an event each), shown by `t show` and briefs. */
export async function note(ctx: Context, ref: string, text: string, opts: { agent?: string }) {
  const agent = textOption('--agent', opts.agent);
  const task = await addTaskNote(open(ctx), ref, text, { agent, actor: ctx.actor });
  if (ctx.json) return printJson(task);
  const added = task.notes!.at(-1)!;
  print(
    `${c.green('noted')} on ${printable(task.id)} by ${printable(added.by)} (${task.notes!.length} note(s))`,
  );
}
