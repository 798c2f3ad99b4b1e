import { initWorkspace } from '../../lib/workspace.js';
import { type Context, c, print, printJson } from '../output.js';

export async function initCommand(ctx: Context, dir: string | undefined): Promise<void> {
  const { workspace, changed } = initWorkspace(dir ?? ctx.dir ?? '.');
  if (ctx.json) return printJson({ root: workspace.root, changed });
  if (changed.length === 0) return print(`${workspace.root} is an orc workspace already; nothing to change`);
  print(`${c.green('initialised')} ${workspace.root}`);
  for (const path of changed) print(`  + ${path}`);
  print(`next: orc ws create <name>, then orc t add <name> "<title>"`);
}
