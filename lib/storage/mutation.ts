import { userInfo } from 'node:os';
import { join } from 'node:path';
import { assertEventLogHealthy, rememberEventLog } from './event-log-health.js';
import { rotateEventLog } from './event-segments.js';
import { type OrcEvent, appendEvents, makeEvent } from './events.js';
import { checkActor, invalidInput, notFound, quote, envValue } from '../shared/index.js';
import { confine, entryKind, listFiles, workspaceRelative } from './files.js';
import { formatJson, readJsonIfExists } from './json-file.js';
import {
  type JournalWrite,
  applyWrites,
  clearJournal,
  needsJournal,
  newJournal,
  writeJournal,
} from './journal.js';
import { isTaskFileName } from './task-files.js';
import {
  loadQueueLocked,
  loadSummaryLocked,
  announceTaskWrites,
  recordTaskWrites,
  tasksDirStamp,
  toQueueEntry,
} from './task-index.js';
import { type QueueEntry, type TaskSummary, applyChange } from './task-summary.js';
import { type Task, validateTask, orderTask } from '../records/index.js';
import { type LockGuard, withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';
import { pauseForTest } from './test-pause.js';

/** Who performed a mutation, as recorded in its event. */
export interface ActorOptions {
  /** Defaults to `ORC_ACTOR`, else the OS user name. */
  actor?: string;
  /** The time the mutation happens at, for leases, expiries and events; defaults to the clock (tests inject one). */
  now?: Date;
}

/** ORC_ACTOR, else the OS user name; an ORC_ACTOR with control characters or over 100 characters is refused. */
export function defaultActor(): string {
  const actor = envValue(process.env, 'ACTOR');
  if (actor) return checkActor(actor, 'ORC_ACTOR');
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The inside of one critical section. Writes are buffered and applied only when the whole mutation
 * has validated, so input that is refused half-way changes nothing on disk.
 */
export class Mutation {
  readonly now: Date;
  private readonly writes = new Map<string, unknown | null>();
  private readonly taskWrites = new Map<string, Task>();
  private readonly events: OrcEvent[] = [];
  private queueMap: Map<string, QueueEntry> | undefined;
  private summaryView: TaskSummary | undefined;
  /** Each written task as its file had it before this mutation (undefined: a new task). */
  private readonly befores = new Map<string, QueueEntry | undefined>();
  /** Task files read in this mutation, as read (undefined: none). */
  private readonly fileTasks = new Map<string, Task | undefined>();
  actorIsDefault = false;

  constructor(
    readonly ws: Workspace,
    /** Recorded in every event; a holder identified only by its claim token becomes the actor. */
    public actor: string,
    now: Date = new Date(),
  ) {
    this.now = now;
  }

  get nowIso(): string {
    return this.now.toISOString();
  }

  emit(type: string, subject: string, data: Record<string, unknown> = {}): OrcEvent {
    const event = makeEvent(this.actor, type, subject, data, this.now);
    this.events.push(event);
    return event;
  }

  /** Records an event made elsewhere, keeping its id, time and actor (an imported log's lines). */
  record(event: OrcEvent): void {
    this.events.push(event);
  }

  readJson<T>(path: string, label: string): T | undefined {
    if (this.writes.has(path)) return (this.writes.get(path) ?? undefined) as T | undefined;
    return readJsonIfExists<T>(this.ws, path, label);
  }

  writeJson(path: string, value: unknown): void {
    this.writes.set(path, value);
  }

  /** Buffers a plain-text file (a large step output). */
  writeText(path: string, text: string): void {
    this.writes.set(path, new TextFile(text));
  }

  remove(path: string): void {
    this.writes.set(path, null);
  }

  /** Every task's queue view, from the cache (current while the lock is held), with this mutation's writes. */
  queue(): Map<string, QueueEntry> {
    this.queueMap ??= loadQueueLocked(this.ws);
    return this.queueMap;
  }

  /** Re-reads every task file, for when the cache turned out to disagree with one of them. */
  rebuildQueue(): Map<string, QueueEntry> {
    this.queueMap = loadQueueLocked(this.ws, true);
    for (const task of this.taskWrites.values()) this.queueMap.set(task.id, toQueueEntry(task));
    this.summaryView = undefined; // rebuilt with the queue; read again with this mutation's writes
    return this.queueMap;
  }

  /**
   * The board's summary (claims, counts, the most urgent open tasks: see task-summary.ts), current
   * under the lock, with this mutation's writes applied: what commands that touch a few tasks read
   * instead of the whole queue.
   */
  summary(): TaskSummary {
    if (!this.summaryView) {
      this.summaryView = loadSummaryLocked(this.ws);
      for (const [id, before] of this.befores)
        applyChange(this.summaryView, before, toQueueEntry(this.taskWrites.get(id)!), this.statusOf);
    }
    return this.summaryView;
  }

  private readonly statusOf = (id: string) => this.readTask(id)?.status ?? 'missing';

  /** A task read from its file (the truth), with this mutation's own writes applied. */
  readTask(id: string): Task | undefined {
    const pending = this.taskWrites.get(id);
    if (pending) return pending;
    return this.fileTask(id);
  }

  private fileTask(id: string): Task | undefined {
    if (this.fileTasks.has(id)) return this.fileTasks.get(id);
    const label = `state/tasks/${id}.json`;
    const raw = readJsonIfExists<unknown>(this.ws, join(this.ws.tasksDir, `${id}.json`), label);
    const task = raw === undefined ? undefined : validateTask(raw, label);
    this.fileTasks.set(id, task);
    return task;
  }

  getTask(ref: string): Task {
    const id = this.resolveTaskId(ref);
    const task = this.readTask(id);
    if (!task) throw notFound(`task ${quote(ref)} not found`);
    return task;
  }

  resolveTaskId(ref: string): string {
    return this.taskWrites.has(ref) ? ref : resolveTaskId(this.ws, ref);
  }

  writeTask(task: Task): Task {
    const ordered = orderTask({ ...task, updatedAt: this.nowIso });
    let before: QueueEntry | undefined;
    if (this.befores.has(ordered.id)) before = toQueueEntry(this.taskWrites.get(ordered.id)!);
    else {
      const file = this.fileTask(ordered.id);
      before = file && toQueueEntry(file);
      this.befores.set(ordered.id, before);
    }
    this.taskWrites.set(ordered.id, ordered);
    this.writes.set(join(this.ws.tasksDir, `${ordered.id}.json`), ordered);
    const entry = toQueueEntry(ordered);
    this.queueMap?.set(ordered.id, entry);
    if (this.summaryView) applyChange(this.summaryView, before, entry, this.statusOf);
    return ordered;
  }

  /**
   * Applies the buffered writes, updates the task index and appends the events, all or nothing: a
   * commit that changes more than one thing first writes its journal (see journal.ts), which the next
   * holder of the lock rolls forward should this process die half-way.
   */
  commit(guard?: LockGuard): void {
    if (this.writes.size === 0 && this.events.length === 0) {
      guard?.assertHeld();
      return;
    }
    if (this.events.length > 0) assertEventLogHealthy(this.ws);
    const writes = this.journalWrites();
    const stampBefore = this.taskWrites.size > 0 ? tasksDirStamp(this.ws) : '';
    const journal = newJournal(this.actor, this.now, writes, this.events);
    // The fence: a holder whose lock was taken over stops here, before the commit point.
    guard?.assertHeld();
    const journalFile = needsJournal(journal) ? writeJournal(this.ws, journal) : undefined;
    pauseForTest('commit:journaled');
    const queueCurrent = announceTaskWrites(
      this.ws,
      [...this.taskWrites.keys()],
      stampBefore,
      this.queueMap !== undefined,
    );
    applyWrites(this.ws, writes, 'commit');
    recordTaskWrites(
      this.ws,
      [...this.taskWrites.values()].map((task) => ({ before: this.befores.get(task.id), task })),
      stampBefore,
      { queueCurrent, summary: this.summaryView, statusOf: this.statusOf },
    );
    pauseForTest('commit:applied');
    appendEvents(this.ws, this.events);
    pauseForTest('commit:logged');
    if (journalFile) clearJournal(this.ws, journalFile);
    if (this.events.length === 0) return;
    // Only now, with nothing left to roll forward: a journal's recovery looks for its events at the
    // live file's end.
    rotateEventLog(this.ws);
    rememberEventLog(this.ws);
  }

  /** The buffered writes as the journal holds them; every path checked (confined) before anything is written. */
  private journalWrites(): JournalWrite[] {
    return [...this.writes].map(([path, value]) => {
      const rel = workspaceRelative(this.ws, confine(this.ws, path));
      if (value === null) return { path: rel, remove: true };
      return { path: rel, text: value instanceof TextFile ? value.text : formatJson(value) };
    });
  }
}

class TextFile {
  constructor(readonly text: string) {}
}

/**
 * Runs `fn` under the workspace lock and commits what it wrote, all or nothing. `who` is the actor, or
 * the actor and the time the mutation acts at (default: the clock, read once the lock is held).
 */
export async function mutate<T>(
  ws: Workspace,
  who: string | ActorOptions | undefined,
  fn: (m: Mutation) => T,
): Promise<T> {
  const { actor, now } = typeof who === 'object' ? who : { actor: who, now: undefined };
  // Checked before the lock: an actor that could forge terminal or event-stream output changes nothing.
  const name = actor === undefined ? defaultActor() : checkActor(actor);
  return withWorkspaceLock(ws, (guard) => {
    const m = new Mutation(ws, name, now ?? new Date());
    m.actorIsDefault = actor === undefined;
    const result = fn(m);
    m.commit(guard);
    return result;
  });
}

/** Resolves a full task id, or a unique prefix of one (with or without `t-`), like git's short hashes. */
export function resolveTaskId(ws: Workspace, ref: string): string {
  if (typeof ref !== 'string' || !/^(t-)?[0-9a-z]{1,32}$/.test(ref)) {
    throw invalidInput(`${quote(ref)} is not a task id (they look like t-4k9x2mq7ab3c)`);
  }
  const prefix = ref.startsWith('t-') ? ref : `t-${ref}`;
  // A full id names its file: one lstat, not a listing of 100,000 names. A link is refused (confine).
  if (entryKind(ws, join(ws.tasksDir, `${prefix}.json`)) === 'file') return prefix;
  // Only a missing folder means no tasks; a link among them, or a folder that is not one, is refused.
  const names = listFiles(ws, ws.tasksDir, isTaskFileName);
  if (names.includes(`${prefix}.json`)) return prefix;
  const matches = names.filter((name) => name.startsWith(prefix));
  if (matches.length === 1) return matches[0]!.slice(0, -'.json'.length);
  if (matches.length === 0) throw notFound(`task ${quote(ref)} not found`);
  throw invalidInput(
    `task id ${quote(ref)} is ambiguous: it starts ${matches.length} task ids; give more of it`,
  );
}
