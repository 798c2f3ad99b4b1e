import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { checkAgent } from '../board/index.js';
import { checkCommits } from './commits.js';
import { rememberEventLog, scanEventLog } from '../storage/index.js';
import { makeEvent, appendEvents } from '../storage/index.js';
import { writeText, writeJsonAtomic } from '../storage/index.js';
import { checkLock } from '../board/index.js';
import { type Cycle, checkCycle } from '../board/index.js';
import {
  mergeEventLines,
  mergeOwnedRecord,
  mergeRecord,
  mergeTask,
  splitConflict,
} from '../records/index.js';
import { type Run, checkRun } from '../records/index.js';
import { resourceFileName } from '../shared/index.js';
import { indexFile } from '../storage/index.js';
import { type Task, checkTask, orderTask } from '../records/index.js';
import { withWorkspaceLock } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';
import { checkWorkstream } from '../board/index.js';

/** One thing `orc doctor` found. `fixed` is set when `--fix` repaired it. */
export interface DoctorProblem {
  code:
    | 'CONFLICT_MARKERS'
    | 'UNREADABLE'
    | 'INVALID'
    | 'NAME_MISMATCH'
    | 'ORPHAN_FILE'
    | 'DUPLICATE_EVENTS'
    | 'CORRUPT_EVENT_LINES'
    | 'UNKNOWN_WORKSTREAM'
    | 'DANGLING_DEP'
    | 'DEPENDENCY_CYCLE'
    | 'UNKNOWN_AGENT'
    | 'EXPIRED_CLAIM'
    | 'EXPIRED_LOCK'
    | 'INCOMPLETE_COMMIT';
  file: string;
  message: string;
  fixed: boolean;
  /** What --fix did, or why it cannot. */
  action?: string;
}

export interface DoctorReport {
  problems: DoctorProblem[];
  remaining: number;
  /** Where unreadable files were moved, relative to the workspace. */
  quarantine: string[];
}

interface Kind {
  dir: (ws: Workspace) => string;
  check: (value: unknown, label: string) => unknown;
  nameOf: (value: Record<string, unknown>) => string;
  merge: (base: unknown, ours: unknown, theirs: unknown) => unknown;
}

const generic = (clock: string) => (base: unknown, ours: unknown, theirs: unknown) =>
  mergeRecord(base as never, ours as never, theirs as never, (d) => String(d[clock] ?? ''));

const KINDS: Kind[] = [
  {
    dir: (ws) => ws.tasksDir,
    check: checkTask,
    nameOf: (v) => `${v.id}.json`,
    merge: (b, o, t) => mergeTask(b as Task | undefined, o as Task, t as Task),
  },
  {
    dir: (ws) => ws.workstreamsDir,
    check: checkWorkstream,
    nameOf: (v) => `${v.name}.json`,
    merge: generic('updatedAt'),
  },
  { dir: (ws) => ws.agentsDir, check: checkAgent, nameOf: (v) => `${v.id}.json`, merge: generic('lastSeen') },
  {
    dir: (ws) => ws.locksDir,
    check: checkLock,
    nameOf: (v) => resourceFileName(String(v.resource)),
    merge: generic('expiresAt'),
  },
  // Runs and cycles belong to the process that runs them: the later version wins whole.
  {
    dir: (ws) => join(ws.stateDir, 'runs'),
    check: checkRun,
    nameOf: (v) => `${v.id}.json`,
    merge: (_b, o, t) => mergeOwnedRecord(o as Run, t as Run),
  },
  {
    dir: (ws) => join(ws.stateDir, 'cycles'),
    check: checkCycle,
    nameOf: (v) => `${v.id}.json`,
    merge: (_b, o, t) => mergeOwnedRecord(o as Cycle, t as Cycle),
  },
];

/**
 * Checks every file of the workspace; with `fix`, repairs what it safely can, under the workspace
 * lock, recording each repair in the event log. It never deletes data: what it cannot read goes to
 * `quarantine/<time>/` in the workspace.
 */
export async function runDoctor(
  ws: Workspace,
  options: { fix?: boolean; actor?: string } = {},
): Promise<DoctorReport> {
  // Without recovery: a commit left half-done is reported (INCOMPLETE_COMMIT), and rolled forward by --fix.
  return withWorkspaceLock(ws, () => examine(ws, Boolean(options.fix), options.actor ?? 'orc-doctor'), {
    recover: false,
  });
}

function examine(ws: Workspace, fix: boolean, actor: string): DoctorReport {
  const problems: DoctorProblem[] = [];
  const quarantine: string[] = [];
  const events: ReturnType<typeof makeEvent>[] = [];
  const now = new Date();
  const rel = (path: string) => relative(ws.root, path);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moveAside = (path: string) => {
    const target = join(ws.root, 'quarantine', stamp, rel(path));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(path, target);
    quarantine.push(rel(target));
    return rel(target);
  };
  const report = (problem: Omit<DoctorProblem, 'fixed'>, repair?: () => string | undefined) => {
    let fixed = false;
    let action = problem.action;
    if (fix && repair) {
      const done = repair();
      if (done !== undefined) {
        fixed = true;
        action = done;
        events.push(
          makeEvent(actor, 'doctor.fixed', problem.file, { problem: problem.code, action: done }, now),
        );
      }
    }
    problems.push({ ...problem, fixed, ...(action ? { action } : {}) });
  };

  checkCommits(ws, report, moveAside);
  const records = new Map<Kind, Map<string, Record<string, unknown>>>();
  for (const kind of KINDS) {
    const found = new Map<string, Record<string, unknown>>();
    records.set(kind, found);
    const dir = kind.dir(ws);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const file = rel(path);
      // A run keeps large step outputs in a folder named after it.
      if (/^r-[0-9a-z]+$/.test(name) && existsSync(`${path}.json`) && statSync(path).isDirectory()) continue;
      if (!name.endsWith('.json') || name.startsWith('.')) {
        const what = name.includes('.tmp-')
          ? 'an unfinished write left by a killed process'
          : 'not an orc file';
        report(
          { code: 'ORPHAN_FILE', file, message: `${file} is ${what}` },
          () => `moved to ${moveAside(path)}`,
        );
        continue;
      }
      let text = readFileSync(path, 'utf8');
      const sides = splitConflict(text);
      if (sides) {
        let merged: unknown;
        try {
          // Mid-merge, git's index still has all three versions: merge them properly. After the
          // conflict was committed, only the two sides in the file are left.
          const staged = unmergedStages(ws, file);
          const base = staged?.base === undefined ? undefined : kind.check(JSON.parse(staged.base), file);
          const ours = kind.check(JSON.parse(staged?.ours ?? sides.ours), file);
          const theirs = kind.check(JSON.parse(staged?.theirs ?? sides.theirs), file);
          merged = kind.merge(base, ours, theirs);
        } catch {
          merged = undefined;
        }
        report({ code: 'CONFLICT_MARKERS', file, message: `${file} holds git conflict markers` }, () => {
          if (merged === undefined) return `sides unreadable: moved to ${moveAside(path)}`;
          writeJsonAtomic(ws, path, merged);
          return 'merged both sides with the merge driver rules';
        });
        if (!fix || merged === undefined) continue;
        text = readFileSync(path, 'utf8');
      }
      let value: Record<string, unknown>;
      try {
        value = kind.check(JSON.parse(text), file) as Record<string, unknown>;
      } catch (error) {
        const code = error instanceof SyntaxError ? 'UNREADABLE' : 'INVALID';
        const message = error instanceof SyntaxError ? `${file} is not valid JSON` : (error as Error).message;
        report({ code, file, message }, () => `moved to ${moveAside(path)}`);
        continue;
      }
      if (kind.nameOf(value) !== name) {
        report({
          code: 'NAME_MISMATCH',
          file,
          message: `${file} should be named ${kind.nameOf(value)}`,
          action: 'rename it by hand after checking which copy is right',
        });
      }
      found.set(name, value);
    }
  }

  checkEvents(ws, report, quarantine, stamp);
  checkReferences(ws, now, records, report);
  if (fix && events.length > 0) {
    appendEvents(ws, events);
    rememberEventLog(ws);
    try {
      unlinkSync(indexFile(ws)); // the cache is rebuilt from the repaired files
    } catch {
      // no cache yet
    }
  }
  return { problems, remaining: problems.filter((p) => !p.fixed).length, quarantine };
}

/** The base, ours and theirs versions git keeps in its index while a merge of `file` is unresolved. */
function unmergedStages(
  ws: Workspace,
  file: string,
): { base?: string; ours: string; theirs: string } | undefined {
  const show = (stage: number) => {
    try {
      return execFileSync('git', ['show', `:${stage}:./${file}`], {
        cwd: ws.root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return undefined;
    }
  };
  const ours = show(2);
  const theirs = show(3);
  if (ours === undefined || theirs === undefined) return undefined;
  return { base: show(1), ours, theirs };
}

type Report = (problem: Omit<DoctorProblem, 'fixed'>, repair?: () => string | undefined) => void;

function checkEvents(ws: Workspace, report: Report, quarantine: string[], stamp: string): void {
  if (!existsSync(ws.eventsFile)) return;
  const text = readFileSync(ws.eventsFile, 'utf8');
  const scan = scanEventLog(text);
  const merged = mergeEventLines(text);
  const repair = () => {
    if (merged.unreadable.length > 0) {
      const target = join(ws.root, 'quarantine', stamp, 'events.unreadable.jsonl');
      mkdirSync(dirname(target), { recursive: true });
      writeText(ws, target, `${merged.unreadable.join('\n')}\n`);
      quarantine.push(relative(ws.root, target));
    }
    writeText(ws, ws.eventsFile, merged.eventText);
    return 'rewrote events.jsonl: each event once, in time order';
  };
  let repaired = false;
  const once = () => {
    if (repaired) return 'rewritten above';
    repaired = true;
    return repair();
  };
  if (scan.conflictMarkers)
    report(
      { code: 'CONFLICT_MARKERS', file: 'events.jsonl', message: 'events.jsonl holds git conflict markers' },
      once,
    );
  if (merged.duplicates > 0) {
    report(
      {
        code: 'DUPLICATE_EVENTS',
        file: 'events.jsonl',
        message: `events.jsonl repeats ${merged.duplicates} event(s)`,
      },
      once,
    );
  }
  if (merged.unreadable.length > 0) {
    report(
      {
        code: 'CORRUPT_EVENT_LINES',
        file: 'events.jsonl',
        message: `events.jsonl has ${merged.unreadable.length} line(s) that are not events`,
      },
      once,
    );
  }
}

function checkReferences(
  ws: Workspace,
  now: Date,
  records: Map<Kind, Map<string, Record<string, unknown>>>,
  report: Report,
): void {
  const [taskKind, streamKind, agentKind, lockKind] = KINDS as [Kind, Kind, Kind, Kind];
  const tasks = new Map(
    [...records.get(taskKind)!.values()].map((t) => [t.id as string, t as unknown as Task]),
  );
  const streams = new Set([...records.get(streamKind)!.values()].map((w) => w.name as string));
  const agents = new Set([...records.get(agentKind)!.values()].map((a) => a.id as string));
  const file = (t: Task) => `state/tasks/${t.id}.json`;
  for (const task of tasks.values()) {
    if (!streams.has(task.workstream)) {
      report(
        {
          code: 'UNKNOWN_WORKSTREAM',
          file: file(task),
          message: `${task.id} is in workstream "${task.workstream}", which does not exist`,
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
          file: file(task),
          message: `${task.id} depends on ${dep}, which does not exist`,
          action: `orc t update ${task.id} --remove-dep ${dep}`,
        });
      }
    }
    if (task.claim && !agents.has(task.claim.agent)) {
      report({
        code: 'UNKNOWN_AGENT',
        file: file(task),
        message: `${task.id} is claimed by ${task.claim.agent}, who is not registered`,
        action: 'the claim lapses at its expiry',
      });
    }
    if (task.status === 'claimed' && task.claim && Date.parse(task.claim.expiresAt) <= now.getTime()) {
      report(
        {
          code: 'EXPIRED_CLAIM',
          file: file(task),
          message: `${task.id}'s claim by ${task.claim.agent} expired at ${task.claim.expiresAt}`,
        },
        () => {
          writeJsonAtomic(
            ws,
            join(ws.tasksDir, `${task.id}.json`),
            orderTask({ ...task, status: 'open', claim: null, updatedAt: now.toISOString() }),
          );
          return 'put the task back in the queue';
        },
      );
    }
  }
  for (const cycle of findCycles(tasks)) {
    report({
      code: 'DEPENDENCY_CYCLE',
      file: file(tasks.get(cycle[0]!)!),
      message: `dependency cycle: ${cycle.join(' → ')}`,
      action: 'remove one dependency with orc t update --remove-dep',
    });
  }
  for (const [name, lock] of records.get(lockKind)!) {
    if (Date.parse(String(lock.expiresAt)) <= now.getTime()) {
      report(
        {
          code: 'EXPIRED_LOCK',
          file: `state/locks/${name}`,
          message: `lock "${lock.resource}" of ${lock.owner} expired at ${lock.expiresAt}`,
        },
        () => {
          unlinkSync(join(ws.locksDir, name));
          return 'released it (the event log keeps the record)';
        },
      );
    }
  }
}

/** Every dependency cycle, each reported once, as a list of task ids closing on its first. */
export function findCycles(tasks: ReadonlyMap<string, Task>): string[][] {
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
