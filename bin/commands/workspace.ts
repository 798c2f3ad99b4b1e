import { findWorkspace, type Workspace } from '../../lib/workspace.js';
import type { Context } from '../output.js';

export function open(ctx: Context): Workspace {
  return findWorkspace({ dir: ctx.dir });
}
