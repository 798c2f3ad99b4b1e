import { join } from 'node:path';
import { checkCommits } from './commits.js';
import { rememberEventLog } from '../storage/index.js';
import { makeEvent, appendEvents } from '../storage/index.js';
import {
  entryKind,
  moveEntry,
  readJsonIfExists,
  removeFile,
  workspaceRelative,
  writeJsonAtomic,
} from '../storage/index.js';
import { OrcError } from '../shared/index.js';
import {
  type EventLogScan,
  checkSegmentFolder,
  eventLogHasProblems,
  reportEventLog,
  scanEventLogFiles,
  stillCurrent,
} from './event-checks.js';
import { forgetReflogPosition, indexFile } from '../storage/index.js';
import { orderTask, validateTask } from '../records/index.js';
import { type LockGuard, withWorkspaceLock } from '../storage/index.js';
import { claimExpiry, loadPresence } from '../board/index.js';
import type { Workspace } from '../storage/index.js';
import type { DoctorContext, DoctorProblem, DoctorReport, Report } from './doctor-types.js';
import { type FoundRecords, checkRecordFolders, checkUnmerged, readUnmerged } from './record-checks.js';

export type { DoctorProblem, DoctorReport } from './doctor-types.js';

/** The checks, in groups that a second pass under the lock re-runs only where the first found something. */
type CheckGroup = 'commits' | 'records' | 'events';
const GROUPS: readonly CheckGroup[] = ['commits', 'records', 'events'];

/**
 * Checks every file of the workspace; with `fix`, repairs what it safely can, recording each repair in
 * the event log. It never deletes data: what it cannot read goes to `quarantine/<time>/` in the
 * workspace.
 *
 * The workspace lock is never held for a read of the whole board and log (at 100,000 tasks and a million
 * events that takes longer than the lock's stale time, and other processes would take the lock over): a
 * first pass reads everything without the lock and changes nothing. Only when it found a problem does
 * doctor take the lock, re-run the checks of that kind (the event log is read again only where it
 * changed since), and repair what they find then: a problem that was only a commit in flight during
 * the first pass is gone by the second.
 */
export async function runDoctor(
  ws: Workspace,
  options: { fix?: boolean; actor?: string } = {},
): Promise<DoctorReport> {
  const actor = options.actor ?? 'orc-doctor';
  const first = examine(ws, { fix: false, actor, groups: GROUPS });
  const groups = GROUPS.filter((group) => first.found.has(group));
  if (groups.length === 0) return first.report;
  // Without recovery: a commit left half-done is reported (INCOMPLETE_COMMIT), and rolled forward by --fix.
  return withWorkspaceLock(
    ws,
    (guard) =>
      examine(ws, { fix: Boolean(options.fix), actor, groups, eventScan: first.eventScan, guard }).report,
    { recover: false },
  );
}

interface ExamineOptions {
  fix: boolean;
  actor: string;
  groups: readonly CheckGroup[];
  /** The event log as the first pass read it. */
  eventScan?: EventLogScan;
  /**
   * The lock of the second pass: checked (and so refreshed) before each group of checks and each repair,
   * so a long synchronous pass keeps the lock, and one that lost it fails with BUSY before writing.
   */
  guard?: LockGuard;
}

interface Examined {
  report: DoctorReport;
  /** The groups that found a problem. */
  found: Set<CheckGroup>;
  eventScan?: EventLogScan;
}

function examine(ws: Workspace, options: ExamineOptions): Examined {
  const { fix, actor } = options;
  const problems: DoctorProblem[] = [];
  const quarantine: string[] = [];
  const found = new Set<CheckGroup>();
  let group: CheckGroup = 'commits';
  let repaired = false;
  const now = new Date();
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moveAside = (path: string) => {
    const target = join(ws.quarantineDir, stamp, workspaceRelative(ws, path));
    moveEntry(ws, path, target);
    quarantine.push(workspaceRelative(ws, target));
    return workspaceRelative(ws, target);
  };
  const report: Report = (problem, repair) => {
    found.add(group);
    let fixed = false;
    let action = problem.action;
    if (fix && repair) {
      options.guard?.assertHeld();
      const done = repair();
      if (done !== undefined) {
        fixed = true;
        action = done;
        // Each repair's event right after it, not all at the end: a doctor killed half-way leaves
        // the repairs it made recorded. (A repair is one file written or moved, then its event.)
        appendEvents(ws, [
          makeEvent(actor, 'doctor.fixed', problem.file, { problem: problem.code, action: done }, now),
        ]);
        repaired = true;
      }
    }
    problems.push({ ...problem, fixed, ...(action ? { action } : {}) });
  };
  const quarantined = (path: string) => quarantine.push(path);
  const ctx: DoctorContext = { ws, fix, now, report, moveAside, stamp, quarantined };
  const runs = (g: CheckGroup) => {
    group = g;
    if (!options.groups.includes(g)) return false;
    options.guard?.assertHeld();
    return true;
  };

  // The event log is read first, its problems reported last. Its scan leaves little behind, where the
  // record checks leave V8's heap grown: scanned after them, a log of a million events added ~50 MiB
  // to doctor's peak at 100,000 tasks. (Repairs of records append events meanwhile: the scan still
  // describes the log, which only grew; see stillCurrent.)
  options.guard?.assertHeld();
  const early = options.groups.includes('events') ? readEventLogScan(ws, options.eventScan) : undefined;
  if (runs('commits')) checkCommits(ws, report, moveAside);
  if (runs('records')) checkRecords(ctx);
  let eventScan: EventLogScan | undefined;
  if (runs('events')) {
    checkSegmentFolder(ctx);
    // Read again when `events` was no folder (the line above may just have moved it away), or when
    // the log changed since otherwise than by appends (a commit rolled forward rotated it).
    eventScan = readEventLogScan(ws, early);
    if (eventScan) {
      if (eventLogHasProblems(eventScan)) found.add('events');
      reportEventLog(ctx, eventScan);
    }
  }
  if (repaired) {
    rememberEventLog(ws);
    removeFile(ws, indexFile(ws)); // the cache is rebuilt from the repaired files
    forgetReflogPosition(ws); // by stamping every file: no git diff names what doctor wrote
  }
  return {
    report: { problems, remaining: problems.filter((p) => !p.fixed).length, quarantine },
    found,
    ...(eventScan ? { eventScan } : {}),
  };
}

/**
 * The record folders, then the references between records. A function of its own so that what it
 * read is garbage once it returns, before the event log's scan (a block's variables can stay alive in
 * the caller's frame).
 */
function checkRecords(ctx: DoctorContext): void {
  const unmerged = readUnmerged(ctx);
  checkUnmerged(ctx, unmerged);
  checkReferences(ctx.ws, ctx.now, checkRecordFolders(ctx, unmerged), ctx.report);
}

/**
 * The first pass's scan of the event log while it still describes the log (under the lock: nothing
 * else writes meanwhile), else a new one; undefined when `events` is not a folder (reported).
 */
function readEventLogScan(ws: Workspace, earlier: EventLogScan | undefined): EventLogScan | undefined {
  try {
    if (earlier && stillCurrent(ws, earlier)) return earlier;
    return scanEventLogFiles(ws);
  } catch (error) {
    if (error instanceof OrcError && entryKind(ws, ws.eventSegmentsDir) !== 'folder') return undefined;
    throw error;
  }
}

const NO_DEPS: readonly string[] = [];

function checkReferences(ws: Workspace, now: Date, records: FoundRecords, report: Report): void {
  const presence = loadPresence(ws);
  const { tasks } = records;
  const streams = new Set([...records.byKind.get('workstream')!.values()].map((w) => w.name as string));
  const agents = new Set([...records.byKind.get('agent')!.values()].map((a) => a.id as string));
  const file = (id: string) => `state/tasks/${id}.json`;
  // Only tasks with dependencies can be in a cycle.
  const withDeps = new Map<string, { deps: readonly string[] }>();
  for (const [id, ref] of tasks) {
    const task =
      typeof ref === 'string' ? { id, workstream: ref, deps: NO_DEPS, claim: null } : { id, ...ref };
    if (task.deps.length > 0) withDeps.set(id, task);
    if (!streams.has(task.workstream)) {
      report(
        {
          code: 'UNKNOWN_WORKSTREAM',
          file: file(id),
          message: `${id} is in workstream "${task.workstream}", which does not exist`,
        },
        () => {
          if (streams.has(task.workstream)) return 'created above';
          streams.add(task.workstream);
          writeJsonAtomic(ws, join(ws.workstreamsDir, `${task.workstream}.json`), {
            v: 1,
            name: task.workstream,
            description: 'recreated by orc doctor',
            priority: 3,
            status: 'active',
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
          });
          return `created workstream ${task.workstream}`;
        },
      );
    }
    for (const dep of task.deps) {
      if (!tasks.has(dep)) {
        report({
          code: 'DANGLING_DEP',
          file: file(id),
          message: `${id} depends on ${dep}, which does not exist`,
          action: `orc t update ${id} --remove-dep ${dep}`,
        });
      }
    }
    const { claim } = task;
    if (claim === null) continue;
    if (!agents.has(claim.agent)) {
      report({
        code: 'UNKNOWN_AGENT',
        file: file(id),
        message: `${id} is claimed by ${claim.agent}, who is not registered`,
        action: 'the claim lapses at its expiry',
      });
    }
    // Renewals recorded on this machine count: a claim kept alive by heartbeats is not expired.
    const expiresAt = claimExpiry({ id, claim }, presence)!;
    if (task.status === 'claimed' && Date.parse(expiresAt) <= now.getTime()) {
      report(
        {
          code: 'EXPIRED_CLAIM',
          file: file(id),
          message: `${id}'s claim by ${claim.agent} expired at ${expiresAt}`,
        },
        () => {
          // The whole task, read again (the check kept only its references), and checked once more.
          const path = join(ws.tasksDir, `${id}.json`);
          const label = `state/tasks/${id}.json`;
          const raw = readJsonIfExists<unknown>(ws, path, label);
          const current = raw === undefined ? undefined : validateTask(raw, label);
          if (current?.status !== 'claimed' || current.claim?.token !== claim.token) return undefined;
          writeJsonAtomic(
            ws,
            path,
            orderTask({ ...current, status: 'open', claim: null, updatedAt: now.toISOString() }),
          );
          return 'put the task back in the queue';
        },
      );
    }
  }
  for (const cycle of findCycles(withDeps)) {
    report({
      code: 'DEPENDENCY_CYCLE',
      file: file(cycle[0]!),
      message: `dependency cycle: ${cycle.join(' → ')}`,
      action: 'remove one dependency with orc t update --remove-dep',
    });
  }
  for (const [name, lock] of records.byKind.get('lock')!) {
    if (Date.parse(String(lock.expiresAt)) <= now.getTime()) {
      report(
        {
          code: 'EXPIRED_LOCK',
          file: `state/locks/${name}`,
          message: `lock "${lock.resource}" of ${lock.owner} expired at ${lock.expiresAt}`,
        },
        () => {
          removeFile(ws, join(ws.locksDir, name));
          return 'released it (the event log keeps the record)';
        },
      );
    }
  }
}

/** Every dependency cycle, each reported once, as a list of task ids closing on its first. */
export function findCycles(tasks: ReadonlyMap<string, { readonly deps: readonly string[] }>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of tasks.get(id)?.deps ?? []) {
      if (!tasks.has(dep)) continue;
      if (state.get(dep) === 'visiting') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...tasks.keys()].sort()) if (!state.has(id)) visit(id);
  return cycles;
}
