import { readFileSync, writeFileSync } from 'node:fs';
import { optionalWholeNumber, textOption } from '../options.js';
import { type Context, c, print, printJson } from '../output.js';
import { open } from './workspace.js';
import type { Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { mergeEventLines, mergeOwnedRecord, mergeRecord, mergeRuleFor, mergeTask } =
  await subsystems.records();
const { setupGit, syncWorkspace } = await subsystems.git();

/**
 * `orc merge-driver %O %A %B %P`, called by git for orc's files: writes the merge of the three
 * versions into %A and exits 0, or exits 1 (git then keeps its conflict) if a side does not parse.
 */
export async function mergeDriver(
  _ctx: Context,
  basePath: string,
  oursPath: string,
  theirsPath: string,
  path = '',
) {
  const read = (p: string) => readFileSync(p, 'utf8');
  const rule = mergeRuleFor(path);
  if (rule === 'events') {
    writeFileSync(oursPath, mergeEventLines(read(oursPath), read(theirsPath)).text);
    return;
  }
  const parse = (p: string) => {
    const text = read(p);
    return text.trim() === '' ? undefined : JSON.parse(text);
  };
  const base = parse(basePath);
  const ours = parse(oursPath);
  const theirs = parse(theirsPath);
  if (ours === undefined || theirs === undefined) throw new Error(`cannot merge ${path}: a side is empty`);
  const merged =
    rule === 'task'
      ? mergeTask(base as Task | undefined, ours as Task, theirs as Task)
      : rule === 'owned'
        ? mergeOwnedRecord(ours, theirs)
        : mergeRecord(base, ours, theirs, (d) => String(d.updatedAt ?? d.lastSeen ?? d.expiresAt ?? ''));
  writeFileSync(oursPath, `${JSON.stringify(merged, null, 2)}\n`);
}

export async function gitSetup(ctx: Context) {
  const result = await setupGit(open(ctx), ctx.invocation);
  if (ctx.json) return printJson(result);
  print(`${c.green('configured')} git merge driver "orc" in ${result.repo}`);
  for (const path of result.changed) print(`  + ${path}`);
}

export async function sync(ctx: Context, opts: { message?: string; retries?: string }) {
  const retries = optionalWholeNumber('--retries', opts.retries, 0, 50);
  const message = textOption('--message', opts.message);
  const result = await syncWorkspace(open(ctx), {
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
