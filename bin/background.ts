import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunContinuer, Workspace } from '../lib/cli.js';

/** This CLI (dist/bin/orc.js), which background runners run as `orc run resume`. */
const ORC_CLI = fileURLToPath(new URL('./orc.js', import.meta.url));

/**
 * Continues a run in a detached `orc run resume` process that outlives this command; its output goes
 * to .orc/runners/<run>.log. The CLI hands it to the library wherever a run may need to go on.
 */
export function runInBackground(invocation: string): RunContinuer {
  return (ws: Workspace, runId: string) => {
    mkdirSync(join(ws.localDir, 'runners'), { recursive: true });
    const log = openSync(join(ws.localDir, 'runners', `${runId}.log`), 'a');
    const child = spawn(
      process.execPath,
      [ORC_CLI, '--dir', ws.root, 'run', 'resume', runId, '--wait-lease'],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, ORC_INVOCATION: invocation },
      },
    );
    child.unref();
  };
}
