import { optionalWholeNumber, textOption } from '../options.js';
import { type Context, c, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { mergeRecordFiles, setupGit, syncWorkspace } = await subsystems.git();

/**
 * `orc merge-driver %O %A %B %P`, called by git for orc's files: writes the merge of the three
 * versions into %A and exits 0; exits 6 with one line naming the file and the problem when a side or
 * the merge is not a valid record, and git then keeps its conflict.
 */
export async function mergeDriver(
  _ctx: Context,
  basePath: string,
  oursPath: string,
  theirsPath: string,
  path = '',
) {
  mergeRecordFiles({ base: basePath, ours: oursPath, theirs: theirsPath }, path);
}

export async function gitSetup(ctx: Context) {
  const result = await setupGit(open(ctx, { mergeSetup: false }), ctx.invocation);
  if (ctx.json) return printJson(result);
  print(`${c.green('configured')} git merge driver "orc" in ${result.repo}`);
  for (const path of result.changed) print(`  + ${path}`);
}

export async function sync(ctx: Context, opts: { message?: string; retries?: string }) {
  const retries = optionalWholeNumber('--retries', opts.retries, 0, 50);
  const message = textOption('--message', opts.message);
  // sync sets the merge driver up itself: a background setup too would collide on git's config lock.
  const result = await syncWorkspace(open(ctx, { mergeSetup: false }), {
    message,
    retries,
    invocation: ctx.invocation,
  });
  if (ctx.json) return printJson(result);
  print(
    `${c.green('synced')} ${result.committed ? `committed ${result.committed.slice(0, 8)}, ` : 'nothing to commit, '}` +
      `pulled ${result.pulled ? 'changes' : 'nothing'}, pushed after ${result.attempts} attempt(s)`,
  );
}
