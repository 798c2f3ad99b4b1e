import { hostname } from 'node:os';
import { join } from 'node:path';
import { readJsonIfExists, removeFile, writeJsonAtomic } from '../storage/index.js';
import { withWorkspaceLock } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';

/** Which process runs a run, in `.orc/runners/` (machine-local: a runner is a local process). */
export interface RunLease {
  pid: number;
  host: string;
  startedAt: string;
}

const leaseFile = (ws: Workspace, runId: string) => join(ws.runnersDir, `${runId}.json`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of a run's lease, other than this process, if any. */
export function runLeaseHolder(ws: Workspace, runId: string): RunLease | undefined {
  let lease: RunLease | undefined;
  try {
    lease = readJsonIfExists<RunLease>(ws, leaseFile(ws, runId));
  } catch {
    return undefined; // a torn lease file holds nothing
  }
  if (!lease || lease.pid === process.pid) return undefined;
  if (lease.host !== hostname()) return lease; // another machine's runner cannot be checked: respect it
  return alive(lease.pid) ? lease : undefined;
}

/** Takes the run's lease unless a live process holds it; returns that holder when it does. */
export async function acquireRunLease(ws: Workspace, runId: string): Promise<RunLease | undefined> {
  return withWorkspaceLock(ws, () => {
    const holder = runLeaseHolder(ws, runId);
    if (holder) return holder;
    writeJsonAtomic(ws, leaseFile(ws, runId), {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
    });
    return undefined;
  });
}

export async function releaseRunLease(ws: Workspace, runId: string): Promise<void> {
  await withWorkspaceLock(ws, () => {
    const lease = readJsonIfExists<RunLease>(ws, leaseFile(ws, runId));
    if (lease?.pid === process.pid) removeFile(ws, leaseFile(ws, runId));
  });
}
