import type { Context } from '../output.js';
import type { Workspace } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { findWorkspace } = await subsystems.storage();

export function open(ctx: Context): Workspace {
  return findWorkspace({ dir: ctx.dir });
}
