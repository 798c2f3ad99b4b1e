import type { Context } from '../output.js';
import type { Workspace } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { findWorkspace, mergeSetupMissing } = await subsystems.storage();

let mergeSetupChecked = false;

/**
 * The workspace a command acts on. The first time in a process, a git clone that lacks orc's merge
 * driver gets it set up, quietly, alongside the command (git clones no config, so every fresh clone
 * lacks it): a few file reads when it is there, git spawned only when it is not.
 */
export function open(ctx: Context, options: { mergeSetup?: boolean } = {}): Workspace {
  const ws = findWorkspace({ dir: ctx.dir });
  // `orc git setup` does it itself: two `git config` at once would collide on git's config lock.
  if (options.mergeSetup === false) mergeSetupChecked = true;
  if (!mergeSetupChecked) {
    mergeSetupChecked = true;
    const missing = mergeSetupMissing(ws);
    if (missing && (missing.driver || missing.attributes))
      void subsystems
        .git()
        .then(({ ensureMergeSetup }) => ensureMergeSetup(ws))
        .catch((error: unknown) =>
          process.stderr.write(
            `orc: warning: the merge driver was not set up: ${(error as Error).message}\n`,
          ),
        );
  }
  return ws;
}
