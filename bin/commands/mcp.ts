import { type Context, warn } from '../output.js';
import { subsystems } from '../../lib/cli.js';
import { runInBackground } from '../background.js';

const { serveMcp } = await subsystems.interfaces();
const { findWorkspace } = await subsystems.storage();

/** `orc mcp`: serves the workspace over MCP on stdin/stdout; stdout carries only the protocol. */
export async function mcp(ctx: Context, opts: { tools?: string }) {
  try {
    findWorkspace({ dir: ctx.dir });
  } catch {
    // Served anyway: each call looks again, so a workspace made later is used by the next call.
    warn(ctx, 'no workspace found: every call fails with NO_WORKSPACE until `orc init`');
  }
  await serveMcp({
    dir: ctx.dir,
    tools: opts.tools as 'core' | 'all' | undefined,
    actor: ctx.actor,
    invocation: ctx.invocation,
    continueRun: runInBackground(ctx.invocation),
    onWarning: (message) => warn(ctx, message, 'DEGRADED'),
  });
}
