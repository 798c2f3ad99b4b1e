import { type Context, c, print, printJson } from '../output.js';
import { subsystems } from '../../lib/cli.js';

const { OrcError } = await subsystems.shared();
const { setupGit } = await subsystems.git();
const { initWorkspace } = await subsystems.storage();

export async function initCommand(ctx: Context, dir: string | undefined): Promise<void> {
  const { workspace, changed } = initWorkspace(dir ?? ctx.dir ?? '.');
  let git: string | undefined;
  try {
    git = (await setupGit(workspace, ctx.invocation)).repo;
  } catch (error) {
    // Outside a git repository (or without git) there is no merge driver to set up.
    if (!(error instanceof OrcError)) throw error;
  }
  if (ctx.json) return printJson({ root: workspace.root, changed, git: git ?? null });
  if (changed.length === 0) print(`${workspace.root} is an orc workspace already; nothing to change`);
  else {
    print(`${c.green('initialised')} ${workspace.root}`);
    for (const path of changed) print(`  + ${path}`);
  }
  if (git) print(`merge driver "orc" configured for the git repository ${git}`);
  if (changed.length > 0) print('next: orc ws create <name>, then orc t add <name> "<title>"');
}
