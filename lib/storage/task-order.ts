import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Task, TaskStatus } from '../records/index.js';
import { OrcError, compareText } from '../shared/index.js';
import { confine, fileStamp, readRange, writeText } from './files.js';
import { fullEnd, type JsonLine } from './task-journals.js';
import { fullJournalStamp, tasksDirStamp } from './task-index.js';
import type { Workspace } from './workspace.js';

/*
 * The board in list order, so that `t list` costs the rows it prints, not the board: a derived,
 * git-ignored file (.orc/tasks.order.tsv) with one short line per task, sorted by work rank (open and
 * claimed, then failed, then done and cancelled) and within each rank by `t next`'s order (priority,
 * age, id), each line ending with the task's JSON as the full journal holds it (task-index.ts), so a
 * listing reads the file from its start, in order, only as far as the rows it prints.
 *
 * The full journal is only ever appended to until it is rewritten whole (a new file): the order file
 * records the journal's inode, first line and length when it was built, so the lines appended since
 * (the mutations and refreshes after it) are the changes to merge in, read from that length on. When
 * those grow past REBUILD_LINES, or the journal was rewritten, the file is built again from the journal.
 */

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const MAGIC = 'orc-order';
// 2: the entry holds the deps and the title (1 was never released).
const ORDER_VERSION = 2;
/** Changed tasks merged in from the journal's tail before the order file is built again. */
const REBUILD_LINES = 2_000;
const CHUNK = 256 * 1024;

/** What listing decides on without reading a task: its place, and the fields filters look at. */
export interface OrderEntry {
  /** 0: open or claimed, 1: failed, 2: done or cancelled. */
  rank: number;
  priority: number;
  createdAt: string;
  id: string;
  workstream: string;
  status: TaskStatus;
  tags: string[];
  /** The claim's agent, if claimed. */
  agent: string | undefined;
  deps: string[];
  /** As JSON text: a table's row needs no more of the task than these fields. */
  titleJson: string;
}

/** Open and claimed work first, then failed, then finished (as narrowTasks orders a list). */
export function workRankOf(status: TaskStatus): number {
  if (status === 'open' || status === 'claimed') return 0;
  return status === 'failed' ? 1 : 2;
}

/** `t next`'s order: most urgent, then oldest, then id (compareTasks). */
export const compareOrder = (a: OrderEntry, b: OrderEntry) =>
  a.priority - b.priority || compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id);

export const compareRanked = (a: OrderEntry, b: OrderEntry) => a.rank - b.rank || compareOrder(a, b);

export function toOrderEntry(task: Task): OrderEntry {
  return {
    rank: workRankOf(task.status),
    priority: task.priority,
    createdAt: task.createdAt,
    id: task.id,
    workstream: task.workstream,
    status: task.status,
    tags: task.tags,
    agent: task.claim?.agent,
    deps: task.deps,
    titleJson: JSON.stringify(task.title),
  };
}

/** What a listing does with an entry: read it as a row, pass it over, or end the listing. */
export type OrderChoice = 'row' | 'skip' | 'stop';

export interface OrderVisitor {
  /** In `t list`'s order (work rank first) rather than `t next`'s. */
  ranked: boolean;
  choose: (entry: OrderEntry) => OrderChoice;
  /**
   * A chosen entry and its task's JSON text (as JSON.stringify gives it), in order; a promise returned
   * is awaited before the next (a full pipe on stdout, say).
   */
  row: (entry: OrderEntry, json: string) => void | Promise<void>;
}

interface Located {
  entry: OrderEntry;
  /** The task's JSON text (as JSON.stringify gives it). */
  json: string;
}

const orderFile = (ws: Workspace) => join(dirname(ws.taskIndexFile), 'tasks.order.tsv');

const NONE: string[] = [];

/** An order line: the entry's fields, tab-separated, then the task's JSON (which holds no tab). */
function orderLine({ entry: e, json }: Located): string {
  return [
    e.rank,
    e.priority,
    e.createdAt,
    e.id,
    e.workstream,
    e.status,
    e.tags.join(' '),
    e.agent ?? '',
    e.deps.join(' '),
    e.titleJson,
    json,
  ].join('\t');
}

const ENTRY_FIELDS = 10;

function parseOrderLine(line: string): Located {
  const f: string[] = [];
  let from = 0;
  for (let i = 0; i < ENTRY_FIELDS; i++) {
    const tab = line.indexOf('\t', from);
    if (tab === -1) throw new Error('the task order file holds a line cut short');
    f.push(line.slice(from, tab));
    from = tab + 1;
  }
  return {
    entry: {
      rank: Number(f[0]),
      priority: Number(f[1]),
      createdAt: f[2]!,
      id: f[3]!,
      workstream: f[4]!,
      status: f[5] as TaskStatus,
      tags: f[6] === '' ? NONE : f[6]!.split(' '),
      agent: f[7] === '' ? undefined : f[7],
      deps: f[8] === '' ? NONE : f[8]!.split(' '),
      titleJson: f[9]!,
    },
    json: line.slice(from),
  };
}

/** Lines of the file range [start, end), read in chunks, with their offsets. */
function* linesIn(fd: number, start: number, end: number) {
  let carry = Buffer.alloc(0);
  let base = start;
  for (let pos = start; pos < end; ) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, end - pos));
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    pos += n;
    const buffer = carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
    let from = 0;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, from)) {
      yield { text: buffer.toString('utf8', from, nl), offset: base + from, length: nl - from };
      from = nl + 1;
    }
    carry = buffer.subarray(from);
    base += from;
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), offset: base, length: carry.length };
}

/** The journal's lines in [start, end) as of their last complete batch: each task's last line, or null if removed. */
function scanJournal(fd: number, start: number, end: number) {
  const found = new Map<string, { task: Task; json: string } | null>();
  let pending: Array<[string, { task: Task; json: string } | null]> = [];
  let last: string | undefined;
  let lines = 0;
  let through = start;
  for (const line of linesIn(fd, start, end)) {
    if (line.offset + line.length >= end) break; // no newline yet: being appended
    let parsed: JsonLine;
    try {
      parsed = JSON.parse(line.text);
    } catch {
      break; // cut short: what came before it stands
    }
    if (parsed.end === true) {
      for (const [id, value] of pending) found.set(id, value);
      lines += pending.length;
      pending = [];
      last = parsed.s;
      through = line.offset + line.length + 1;
    } else if (parsed.t) pending.push([parsed.t.id, { task: parsed.t, json: taskText(line.text, parsed.t) }]);
    else if (parsed.del !== undefined) pending.push([parsed.del, null]);
    else break;
  }
  return { found, last, lines, through };
}

interface OrderHeader {
  stamp: string;
  ino: string;
  size: number;
  first: string;
  /** Where ranks 1 and 2 begin, and where the lines end (offsets in the order file). */
  sections: [number, number, number, number];
}

function parseHeader(text: string): OrderHeader | undefined {
  const nl = text.indexOf('\n');
  if (nl === -1) return undefined;
  const f = text.slice(0, nl).split('\t');
  if (f[0] !== MAGIC || f[1] !== String(ORDER_VERSION) || f.length !== 10) return undefined;
  const [s1, s2, s3] = [Number(f[7]), Number(f[8]), Number(f[9])];
  return {
    stamp: f[2]!,
    ino: f[3]!,
    size: Number(f[4]),
    first: f[5]!,
    sections: [nl + 1 + Number(f[6]), nl + 1 + s1, nl + 1 + s2, nl + 1 + s3],
  };
}

/** The journal's first line (its header: version and the stamp of its rewrite). */
function firstLine(fd: number): string {
  const buffer = Buffer.alloc(512);
  const n = readSync(fd, buffer, 0, 512, 0);
  const text = buffer.toString('utf8', 0, n);
  const nl = text.indexOf('\n');
  return nl === -1 ? '' : text.slice(0, nl);
}

/** Builds the order file from the whole journal (up to `size`); undefined when the journal is not whole. */
function buildOrder(ws: Workspace, fd: number, ino: string, size: number): OrderHeader | undefined {
  const first = firstLine(fd);
  if (!first.startsWith('{"v":') || first.includes('\t')) return undefined;
  const { found, last, through } = scanJournal(fd, first.length + 1, size);
  if (last === undefined) return undefined;
  const located: Located[] = [];
  for (const value of found.values())
    if (value) located.push({ entry: toOrderEntry(value.task), json: value.json });
  located.sort((a, b) => compareRanked(a.entry, b.entry));
  const sections = [0, 0, 0, 0];
  let body = '';
  let bytes = 0;
  let rank = 0;
  for (const l of located) {
    while (rank < l.entry.rank) sections[++rank] = bytes;
    const line = `${orderLine(l)}\n`;
    body += line;
    bytes += Buffer.byteLength(line);
  }
  while (rank < 3) sections[++rank] = bytes;
  const head = [MAGIC, ORDER_VERSION, last, ino, through, first, ...sections].join('\t');
  try {
    writeText(ws, orderFile(ws), `${head}\n${body}`);
  } catch (error) {
    // A cache: a workspace this process cannot write to (read-only, a full disk) is listed the full way.
    if (
      error instanceof OrcError ||
      ['EACCES', 'EPERM', 'EROFS', 'ENOSPC'].includes((error as NodeJS.ErrnoException).code ?? '')
    )
      return undefined;
    throw error;
  }
  return parseHeader(`${head}\n`);
}

/**
 * The order file's header, if the file is whole (as long as its header says) and describes this
 * journal (the same file, and the length it had then is in it, ending with that stamp's end line).
 */
function readHeader(ws: Workspace, fd: number, ino: string, size: number): OrderHeader | undefined {
  const whole = fileStamp(ws, orderFile(ws))?.size;
  if (whole === undefined) return undefined;
  const header = parseHeader(readRange(ws, orderFile(ws), 0, Math.min(4096, whole)).toString('utf8'));
  if (
    !header ||
    header.sections[3] !== whole ||
    header.ino !== ino ||
    header.size > size ||
    header.first !== firstLine(fd)
  )
    return undefined;
  // The journal's bytes just before that length are the end line of that stamp.
  const end = `${fullEnd(header.stamp)}\n`;
  const bytes = Buffer.alloc(Buffer.byteLength(end));
  readSync(fd, bytes, 0, bytes.length, header.size - bytes.length);
  return bytes.toString('utf8') === end ? header : undefined;
}

const TASK_START = ',"t":';

/** The task's JSON text in a journal line (`{"s":…,"t":<task>}`) as JSON.stringify wrote it. */
function taskText(line: string, task: Task): string {
  const at = line.indexOf(TASK_START);
  if (line.startsWith('{"s":"') && line.indexOf('"', 6) === at - 1 && line.endsWith('}'))
    return line.slice(at + TASK_START.length, -1);
  return JSON.stringify(task);
}

/** An ordered source of entries: a cursor over one section of the order file, or the changed tasks. */
interface Source {
  head: Located | undefined;
  next: () => void;
}

/**
 * Bytes of the order file read at a time: whole lines, decoded and split natively. Small enough that a
 * chunk's strings die young: with a megabyte they outlived collections and the heap grew with the board.
 */
const SECTION_CHUNK = 64 * 1024;

function sectionSource(fd: number, start: number, end: number, skip: ReadonlyMap<string, unknown>): Source {
  let pos = start;
  let lines: string[] = [];
  let at = 0;
  // The next chunk's complete lines (a line never spans chunks: each ends at its last newline).
  const refill = (): boolean => {
    while (pos < end) {
      let size = Math.min(SECTION_CHUNK, end - pos);
      let buffer = Buffer.allocUnsafe(size);
      let n = readSync(fd, buffer, 0, size, pos);
      let last = buffer.lastIndexOf(10, n - 1);
      while (last === -1 && pos + n < end) {
        size *= 2; // a line longer than the chunk
        buffer = Buffer.allocUnsafe(Math.min(size, end - pos));
        n = readSync(fd, buffer, 0, buffer.length, pos);
        last = buffer.lastIndexOf(10, n - 1);
      }
      const to = last === -1 ? n : last;
      lines = buffer.toString('utf8', 0, to).split('\n');
      at = 0;
      pos += last === -1 ? n : last + 1;
      if (lines.length > 0) return true;
    }
    return false;
  };
  const source: Source = {
    head: undefined,
    next: () => {
      for (;;) {
        if (at >= lines.length && !refill()) break;
        const line = lines[at++]!;
        if (line.length === 0) continue;
        const located = parseOrderLine(line);
        if (!skip.has(located.entry.id)) {
          source.head = located;
          return;
        }
      }
      source.head = undefined;
    },
  };
  source.next();
  return source;
}

function listSource(located: Located[]): Source {
  let i = 0;
  const source: Source = {
    head: undefined,
    next: () => {
      source.head = located[i++];
    },
  };
  source.next();
  return source;
}

/**
 * Hands the tasks of the board to `visitor` in order, reading the order file only as far as the
 * visitor goes, with the tasks changed since it was built merged in (it is built again when missing,
 * stale or far behind). Returns false, having visited nothing, when the full journal is not current:
 * the caller reads the board the full way, which brings the journal up to date.
 */
export async function visitTasksByOrder(ws: Workspace, visitor: OrderVisitor): Promise<boolean> {
  const stamp = tasksDirStamp(ws);
  // Behind the folder (changed from outside, or a write cut short): the full path's loadTasks reads
  // what changed and saves the journal, so that the next listing is served here again.
  if (fullJournalStamp(ws) !== stamp) return false;
  let fd: number;
  try {
    fd = openSync(confine(ws, ws.taskIndexFile), constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    const ino = String(stat.ino);
    const size = Number(stat.size);
    let header = readHeader(ws, fd, ino, size);
    let tail = header ? scanJournal(fd, header.size, size) : undefined;
    if (!header || !tail || tail.lines > REBUILD_LINES) {
      header = buildOrder(ws, fd, ino, size);
      if (!header) return false;
      tail = scanJournal(fd, header.size, size);
    }
    if ((tail.last ?? header.stamp) !== stamp) return false;
    const orderFd = openSync(confine(ws, orderFile(ws)), constants.O_RDONLY | NOFOLLOW);
    try {
      await visitMerged(orderFd, header, tail.found, visitor);
    } finally {
      closeSync(orderFd);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

async function visitMerged(
  orderFd: number,
  header: OrderHeader,
  changed: ReadonlyMap<string, { task: Task; json: string } | null>,
  visitor: OrderVisitor,
): Promise<void> {
  const compare = visitor.ranked ? compareRanked : compareOrder;
  const changedTasks = [...changed.values()].flatMap((v) =>
    v ? [{ entry: toOrderEntry(v.task), json: v.json }] : [],
  );
  changedTasks.sort((a, b) => compare(a.entry, b.entry));
  const [s0, s1, s2, s3] = header.sections;
  const sources = [
    sectionSource(orderFd, s0, s1, changed),
    sectionSource(orderFd, s1, s2, changed),
    sectionSource(orderFd, s2, s3, changed),
    listSource(changedTasks),
  ];
  for (;;) {
    let best: Source | undefined;
    for (const source of sources)
      if (source.head && (!best || compare(source.head.entry, best.head!.entry) < 0)) best = source;
    if (!best) break;
    const { entry, json } = best.head!;
    const choice = visitor.choose(entry);
    if (choice === 'stop') break;
    if (choice === 'row') {
      const waiting = visitor.row(entry, json);
      if (waiting) await waiting;
    }
    best.next();
  }
}
