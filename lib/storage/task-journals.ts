import type { Task, TaskStatus } from '../records/index.js';
import type { QueueEntry } from './task-summary.js';

/*
 * The two journals of the task index, as text (see task-index.ts): the queue journal, tab-separated
 * lines with the stamp of each task's file, and the full journal, one JSON line per task. Each batch
 * of lines ends with an end line naming the tasks folder's stamp; a deletion has its own line. A
 * journal is read as of its last complete batch. Pure.
 */

// 4: queue lines end with the stamp of the task's file, and a removed task has a deletion line.
export const HEADER_VERSION = 4;

const NONE: string[] = [];
const list = (text: string) => (text === '' ? NONE : text.split(' '));

/**
 * A queue line: tab-separated, because every field is a validated name, id, number or timestamp
 * (no tabs, no spaces; lists are space-separated). Splitting lines allocates far less than parsing
 * JSON.
 */
export const toQueueLine = (t: Task): string => entryLine(toQueueEntry(t));

/** A queue entry's fields, tab-separated, in the order fromQueueFields reads them. */
function entryLine(e: QueueEntry): string {
  return [
    e.id,
    e.workstream,
    e.priority,
    e.status,
    e.tags.join(' '),
    e.deps.join(' '),
    e.createdAt,
    e.claim?.agent ?? '',
    e.claim?.expiresAt ?? '',
    e.claim?.token ?? '',
    e.lost.join(' '),
  ].join('\t');
}

function fromQueueFields(f: string[], at: number): QueueEntry {
  return {
    id: f[at]!,
    workstream: f[at + 1]!,
    priority: Number(f[at + 2]),
    status: f[at + 3] as TaskStatus,
    tags: list(f[at + 4]!),
    deps: list(f[at + 5]!),
    createdAt: f[at + 6]!,
    claim: f[at + 7] ? { agent: f[at + 7]!, token: f[at + 9]!, expiresAt: f[at + 8]! } : null,
    lost: list(f[at + 10]!),
  };
}

export function toQueueEntry(task: Task): QueueEntry {
  const { claim } = task;
  return {
    id: task.id,
    workstream: task.workstream,
    priority: task.priority,
    status: task.status,
    tags: task.tags.length ? [...task.tags] : NONE,
    deps: task.deps.length ? [...task.deps] : NONE,
    createdAt: task.createdAt,
    claim: claim ? { agent: claim.agent, token: claim.token, expiresAt: claim.expiresAt } : null,
    lost: task.lost?.length ? task.lost.map((l) => l.agent) : NONE,
  };
}

export const QUEUE_MAGIC = 'orc-queue';
export const END = 'orc-end';
export const DELETED = 'orc-del';
/**
 * Written before a mutation replaces task files, in the batch its lines then complete: a process
 * killed between the two leaves a batch without its end line, so the next reader knows the journal
 * is behind the folder (a pull meanwhile would otherwise make git the only witness of the change).
 */
export const INTENT = 'orc-int';

export const intentLine = (ids: readonly string[]) => `${INTENT}\t${ids.join(' ')}\n`;
// The batch stamp, the 11 fields of the entry, the file's stamp.
const QUEUE_FIELDS = 13;

/** The queue journal as of its last complete batch. */
export interface QueueJournal {
  entries: Map<string, QueueEntry>;
  /** The stamp of each task's file when its line was written. */
  files: Map<string, string>;
  /** The folder's stamp in the last end line (undefined: no complete batch). */
  end: string | undefined;
  /** Lines after the last end line (a batch cut short, or being appended): rewrite, do not append. */
  torn: boolean;
  lines: number;
}

export function parseQueue(text: string): QueueJournal | undefined {
  const lines = text.split('\n');
  const head = lines[0]!.split('\t');
  if (head[0] !== QUEUE_MAGIC || head[1] !== String(HEADER_VERSION)) return undefined;
  const journal: QueueJournal = {
    entries: new Map(),
    files: new Map(),
    end: undefined,
    torn: false,
    lines: 1,
  };
  let pending: Array<[string, QueueEntry | undefined, string]> = [];
  let intents = 0;
  // The text after the last newline is '' when the journal ends where a line does.
  const complete = lines.length - 1;
  for (let i = 1; i < complete; i++) {
    const fields = lines[i]!.split('\t');
    if (fields.length === 2 && fields[0] === END) {
      for (const [id, entry, file] of pending) {
        if (entry) {
          journal.entries.set(id, entry);
          journal.files.set(id, file);
        } else {
          journal.entries.delete(id);
          journal.files.delete(id);
        }
      }
      journal.lines += pending.length + intents + 1;
      pending = [];
      intents = 0;
      journal.end = fields[1];
    } else if (fields.length === 2 && fields[0] === DELETED) pending.push([fields[1]!, undefined, '']);
    else if (fields.length === 2 && fields[0] === INTENT) intents++;
    else if (fields.length === QUEUE_FIELDS)
      pending.push([fields[1]!, fromQueueFields(fields, 1), fields[12]!]);
    else return { ...journal, torn: true }; // a line cut short: what came before it stands
  }
  journal.torn = pending.length > 0 || intents > 0 || lines[complete] !== '';
  return journal;
}

export const queueLine = (task: Task, batch: string, file: string) =>
  `${batch}\t${toQueueLine(task)}\t${file}`;

export function queueText(journal: QueueJournal): string {
  const lines = [`${QUEUE_MAGIC}\t${HEADER_VERSION}\t${journal.end}`];
  for (const entry of journal.entries.values()) {
    const f = entryLine(entry);
    lines.push(`${journal.end}\t${f}\t${journal.files.get(entry.id) ?? ''}`);
  }
  lines.push(`${END}\t${journal.end}`);
  return `${lines.join('\n')}\n`;
}

export interface JsonLine {
  v?: number;
  s: string;
  t?: Task;
  del?: string;
  end?: true;
}

/**
 * The full journal's tasks as of its last complete batch (undefined when of another version), and
 * whether lines follow that batch (cut short by a crash, or being appended).
 */
export function parseFull(
  text: string,
): { entries: Map<string, Task>; end: string | undefined; lines: number; torn: boolean } | undefined {
  const lines = text.split('\n');
  const parse = (line: string): JsonLine | undefined => {
    try {
      const value = JSON.parse(line);
      return typeof value === 'object' && value !== null ? value : undefined;
    } catch {
      return undefined;
    }
  };
  if (parse(lines[0]!)?.v !== HEADER_VERSION) return undefined;
  const journal = {
    entries: new Map<string, Task>(),
    end: undefined as string | undefined,
    lines: 1,
    torn: false,
  };
  let pending: JsonLine[] = [];
  const complete = lines.length - 1;
  for (let i = 1; i < complete; i++) {
    const line = parse(lines[i]!);
    if (!line) return { ...journal, torn: true }; // a line cut short: what came before it stands
    if (line.end !== true) {
      pending.push(line);
      continue;
    }
    for (const p of pending) {
      if (p.t) journal.entries.set(p.t.id, p.t);
      else if (p.del) journal.entries.delete(p.del);
    }
    journal.lines += pending.length + 1;
    pending = [];
    journal.end = line.s;
  }
  journal.torn = pending.length > 0 || lines[complete] !== '';
  return journal;
}

export const fullLine = (task: Task, batch: string) => JSON.stringify({ s: batch, t: task });
export const fullEnd = (batch: string) => JSON.stringify({ s: batch, end: true });

/** One batch of the queue journal: the tasks written, the ids removed, its end line (`fileOf`: a task's file stamp). */
export function queueBatch(
  tasks: readonly Task[],
  deleted: readonly string[],
  stamp: string,
  fileOf: (id: string) => string,
): string {
  const lines = [
    ...tasks.map((t) => queueLine(t, stamp, fileOf(t.id))),
    ...deleted.map((id) => `${DELETED}\t${id}`),
    `${END}\t${stamp}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One batch of the full journal: the tasks written, the ids removed, its end line. */
export function fullBatch(tasks: readonly Task[], deleted: readonly string[], stamp: string): string {
  const lines = [
    ...tasks.map((t) => fullLine(t, stamp)),
    ...deleted.map((id) => JSON.stringify({ s: stamp, del: id })),
    fullEnd(stamp),
  ];
  return `${lines.join('\n')}\n`;
}

export function fullText(tasks: ReadonlyMap<string, Task>, stamp: string): string {
  const lines = [JSON.stringify({ v: HEADER_VERSION, s: stamp })];
  for (const task of tasks.values()) lines.push(fullLine(task, stamp));
  lines.push(fullEnd(stamp));
  return `${lines.join('\n')}\n`;
}

/**
 * The queue journal as of its last complete batch, read for what finding the changed files needs:
 * where each task's line starts (its file stamp ends the line), without parsing the 100,000 lines
 * into entries or cutting out their stamps (entryAt and sameFileStamp read the few that are needed).
 * Same reading as parseQueue; undefined when of another version or torn (parseQueue then repairs it).
 */
export interface QueueStamps {
  text: string;
  /** Where each task's line starts in `text`. */
  at: Map<string, number>;
  end: string | undefined;
  lines: number;
}

export function parseQueueStamps(text: string): QueueStamps | undefined {
  const first = text.indexOf('\n');
  if (first === -1) return undefined;
  const head = text.slice(0, first).split('\t');
  if (head[0] !== QUEUE_MAGIC || head[1] !== String(HEADER_VERSION)) return undefined;
  const journal: QueueStamps = { text, at: new Map(), end: undefined, lines: 1 };
  let pending = 0;
  for (let start = first + 1; start < text.length; ) {
    const end = text.indexOf('\n', start);
    if (end === -1) return undefined; // a line cut short
    let tabs = 0;
    let firstTab = -1;
    let secondTab = -1;
    for (
      let t = text.indexOf('\t', start);
      t !== -1 && t < end && tabs < QUEUE_FIELDS;
      t = text.indexOf('\t', t + 1)
    ) {
      tabs++;
      if (tabs === 1) firstTab = t;
      else if (tabs === 2) secondTab = t;
    }
    const lead = tabs === 1 ? text.slice(start, firstTab) : '';
    // Lines apply as they come: a batch without its end line makes the whole journal undefined.
    if (tabs === 1 && lead === END) {
      journal.lines += pending + 1;
      pending = 0;
      journal.end = text.slice(firstTab + 1, end);
    } else if (tabs === 1 && lead === INTENT) {
      pending++;
    } else if (tabs === 1 && lead === DELETED) {
      journal.at.delete(text.slice(firstTab + 1, end));
      pending++;
    } else if (tabs === QUEUE_FIELDS - 1) {
      journal.at.set(text.slice(firstTab + 1, secondTab), start);
      pending++;
    } else return undefined;
    start = end + 1;
  }
  return pending > 0 ? undefined : journal;
}

/** Whether the file stamp recorded on the task's line is `stamp` (undefined: no line for the task). */
export function sameFileStamp(journal: QueueStamps, id: string, stamp: string): boolean | undefined {
  const at = journal.at.get(id);
  if (at === undefined) return undefined;
  const { text } = journal;
  const end = text.indexOf('\n', at);
  const from = text.lastIndexOf('\t', end) + 1;
  return end - from === stamp.length && text.startsWith(stamp, from);
}

/** The entry of the line that starts at `at` (see parseQueueStamps). */
export function entryAt(text: string, at: number): QueueEntry {
  const end = text.indexOf('\n', at);
  return fromQueueFields(text.slice(at, end === -1 ? undefined : end).split('\t'), 1);
}

/** A task's line in the queue journal: its entry and the stamp of its file when the line was written. */
export interface QueueLine {
  entry: QueueEntry;
  file: string;
}

/** The queue journal's bytes, and the same as latin1 text (one character per byte: positions agree). */
export interface SearchedJournal {
  bytes: Buffer;
  text: string;
}

export const searchedJournal = (bytes: Buffer): SearchedJournal => ({
  bytes,
  text: bytes.toString('latin1'),
});

/** Whether the journal ends with a whole batch whose end line names `stamp`. */
export const endsAt = (journal: SearchedJournal, stamp: string): boolean =>
  journal.text.endsWith(`\n${END}\t${stamp}\n`);

/**
 * The last line the queue journal has for each of `ids`, found in one search of its bytes: how the
 * few tasks a pull changed are looked up without splitting 100,000 lines. Undefined for a task with no
 * line, or whose last line says it was removed; null when that line is not a whole queue line. The
 * journal must end with an end line (no batch being appended), so that every line of it applies.
 */
export function lastQueueLines(
  journal: SearchedJournal,
  ids: readonly string[],
): Map<string, QueueLine | undefined | null> {
  const { bytes, text } = journal;
  const found = new Map<string, QueueLine | undefined | null>(ids.map((id) => [id, undefined]));
  if (ids.length === 0) return found;
  // A task's line is its batch, then `\t<id>\t`; a removal is `orc-del\t<id>\n`. The id may also
  // stand last in another task's deps (`\t<id>\t` too): such a hit is not where its line's first tab is.
  const pattern = new RegExp(
    `\t(${ids.map((id) => id.replace(/[^\w-]/g, '\\$&')).join('|')})(?=[\t\n])`,
    'g',
  );
  const last = new Map<string, number>();
  for (const match of text.matchAll(pattern)) {
    const at = match.index;
    const start = text.lastIndexOf('\n', at) + 1;
    const line = text[at + match[0].length] === '\t' && text.indexOf('\t', start) === at;
    if (line || text.slice(start, at) === DELETED) last.set(match[1]!, line ? start : -1);
  }
  for (const [id, start] of last) {
    if (start === -1) continue; // removed
    const end = bytes.indexOf(10, start);
    const fields = bytes.toString('utf8', start, end === -1 ? bytes.length : end).split('\t');
    found.set(
      id,
      fields.length === QUEUE_FIELDS
        ? { entry: fromQueueFields(fields, 1), file: fields[QUEUE_FIELDS - 1]! }
        : null,
    );
  }
  return found;
}
