import { newId } from '../shared/index.js';
import { type LogFile, eventLogFiles } from './event-segments.js';
import { appendText } from './files.js';
import {
  lastLineStart,
  lineNumbersAt,
  readLineBlocksBackward,
  readLinesBackward,
  readLinesForward,
} from './line-reader.js';
import type { Workspace } from './workspace.js';

/** One line of `events.jsonl`. Keys are written in this order. */
export interface OrcEvent {
  id: string;
  ts: string;
  actor: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

export function makeEvent(
  actor: string,
  type: string,
  subject: string,
  data: Record<string, unknown> = {},
  now = new Date(),
): OrcEvent {
  return { id: newId('e'), ts: now.toISOString(), actor, type, subject, data };
}

/**
 * Appends in one write with O_APPEND, so lines from concurrent writers never interleave; a last line
 * left without its newline (a torn write, an editor) is ended first, so it never swallows these.
 */
export function appendEvents(ws: Workspace, events: readonly OrcEvent[]): void {
  if (events.length === 0) return;
  appendText(ws, ws.eventsFile, events.map((event) => `${JSON.stringify(event)}\n`).join(''), {
    separate: true,
  });
}

/**
 * How far back from the log's end a view of one task's recent history looks (`t show`, a brief's
 * related events): about 7,000 events, so such a view costs the same whatever the log has accumulated.
 */
export const RECENT_HISTORY_BYTES = 1024 * 1024;

export interface EventFilter {
  /** Events by this actor. */
  actor?: string;
  /** Event type, or a prefix ending in `.` such as `task.`. */
  type?: string;
  /** Epoch milliseconds; events at or after it. */
  since?: number;
  /** Only the last N after filtering. */
  last?: number;
  subject?: string;
  /** Events about any of these subjects. */
  subjects?: readonly string[];
  /**
   * With `last` or `since`: look through at most this many bytes from the log's end (`truncated` then
   * says whether older events went unread), so that a view of recent history costs what it shows.
   */
  within?: number;
}

export interface CorruptLine {
  line: number;
  text: string;
  /** The closed segment holding the line (`events/….jsonl`); absent for events.jsonl. */
  file?: string;
}

export interface EventsRead {
  events: OrcEvent[];
  corrupt: CorruptLine[];
  /** The position in the log just past what was read, for following it (see event-segments.ts). */
  offset: number;
  /** A backward read stopped at `within` bytes before it found all it was asked for. */
  truncated?: boolean;
}

export function matchesEvent(event: OrcEvent, filter: EventFilter): boolean {
  if (filter.actor !== undefined && event.actor !== filter.actor) return false;
  if (filter.subject !== undefined && event.subject !== filter.subject) return false;
  if (filter.subjects !== undefined && !filter.subjects.includes(event.subject)) return false;
  if (filter.type !== undefined) {
    const prefix = filter.type.endsWith('.') ? filter.type : undefined;
    if (prefix ? !event.type.startsWith(prefix) : event.type !== filter.type) return false;
  }
  if (filter.since !== undefined && Date.parse(event.ts) < filter.since) return false;
  return true;
}

function isEvent(value: unknown): value is OrcEvent {
  const e = value as OrcEvent;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.ts === 'string' &&
    typeof e.type === 'string' &&
    typeof e.actor === 'string'
  );
}

/** One line parsed: the event, or undefined when the line is not one (blank lines are neither). */
function parseEventLine(line: string): OrcEvent | undefined {
  try {
    const value = JSON.parse(line);
    if (isEvent(value)) {
      value.subject ??= '';
      value.data ??= {};
      return value;
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // not JSON: the caller reports the line as corrupt
  }
  return undefined;
}

const corruptText = (line: string) => (line.length > 80 ? `${line.slice(0, 79)}…` : line);

/** Parses event lines; a line that is not an event is reported with its number, not fatal. */
export function parseEventLines(text: string, firstLine = 1): { events: OrcEvent[]; corrupt: CorruptLine[] } {
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const event = parseEventLine(line);
    if (event) events.push(event);
    else corrupt.push({ line: firstLine + i, text: corruptText(line) });
  }
  return { events, corrupt };
}

/**
 * How much older than `since` an event must be for a backward read to stop there. The log is in time
 * order but for small inversions: a mutation stamps its events when it makes them and appends them when
 * it commits, under the lock, so a slower writer can append a slightly older event after a newer one;
 * merges sort by time (records' mergeEventLines). A log edited by hand out of order by more than this
 * may lose, in a `since` read, the events before the inversion.
 */
export const SINCE_SLACK_MS = 60 * 60 * 1000;

/**
 * The events matching `filter`, oldest first, and the lines that are not events. With `last` or
 * `since`, the log is read backwards from its end in chunks, the live file first and then as many
 * closed segments as needed, newest first; the read stops once it has `last` matching events or meets
 * an event older than `since` (less the slack): it costs what it returns, and `corrupt` holds the bad
 * lines among those read. Otherwise every file is streamed line by line, oldest segment first, never
 * held as one string, so a log of any size is read.
 */
export function readEvents(ws: Workspace, filter: EventFilter = {}): EventsRead {
  const files = eventLogFiles(ws);
  if (filter.last === undefined && filter.since === undefined) return readAllEvents(ws, files, filter);
  return readEventsBackward(ws, files, filter);
}

const endOf = (files: readonly LogFile[]) => files[files.length - 1]!.start + files[files.length - 1]!.size;
const fileLabel = (file: LogFile) => (file.live ? {} : { file: file.name });

function readAllEvents(ws: Workspace, files: readonly LogFile[], filter: EventFilter): EventsRead {
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  for (const file of files) {
    if (file.size === 0) continue;
    let number = 0;
    for (const line of readLinesForward(ws, file.path, 0, file.size)) {
      number++;
      if (line.trim() === '') continue;
      const event = parseEventLine(line);
      if (!event) corrupt.push({ line: number, text: corruptText(line), ...fileLabel(file) });
      else if (matchesEvent(event, filter)) events.push(event);
    }
  }
  return { events, corrupt, offset: endOf(files) };
}

/** An event line as orc writes it, judged without parsing: an object with the four required keys. */
function looksLikeEvent(line: string): boolean {
  let end = line.length - 1;
  while (end > 0 && (line.charCodeAt(end) === 13 || line.charCodeAt(end) === 32)) end--;
  return (
    line.charCodeAt(end) === 125 && // }
    line.startsWith('{"id":"') &&
    line.includes('"ts":"') &&
    line.includes('"actor":"') &&
    line.includes('"type":"')
  );
}

/**
 * A line that lacks the JSON text of a value the filter asks for (a subject, an actor, a type or its
 * prefix) cannot match, so it is not parsed: one task's history, one agent's events are skimmed from
 * the log, not parsed out of it. Such a line is still checked to look like an event, so torn writes,
 * conflict markers and garbage are reported as corrupt; a line broken only in its middle is not (a full
 * read reports it).
 */
function unmatchable(filter: EventFilter): ((line: string) => boolean) | undefined {
  const needed = neededTexts(filter);
  if (needed.length === 0) return undefined;
  return (line) => needed.some((anyOf) => !anyOf.some((text) => line.includes(text))) && looksLikeEvent(line);
}

/** The JSON texts a matching line must hold: one of each group. */
function neededTexts(filter: EventFilter): string[][] {
  const needed: string[][] = [];
  const quoted = (value: string) => JSON.stringify(value);
  // An empty value can be an absent key (subject defaults to ''): it is never required as text.
  if (filter.subject) needed.push([quoted(filter.subject)]);
  if (filter.subjects && !filter.subjects.includes('')) needed.push(filter.subjects.map(quoted));
  if (filter.actor) needed.push([quoted(filter.actor)]);
  if (filter.type)
    needed.push([filter.type.endsWith('.') ? quoted(filter.type).slice(0, -1) : quoted(filter.type)]);
  return needed;
}

/**
 * A line not as orc writes events (`{"id":"…","ts":"…","actor":"…","type":"…}`, keys in that order),
 * found at the start of the text or after a `\n`: absent, every line of the text looks like an event.
 */
const UNLIKE_EVENT =
  /(?:^|\n)(?!\{"id":"[^\n]*?"ts":"[^\n]*?"actor":"[^\n]*?"type":"[^\n]*\}[\r ]*(?:\n|(?![\s\S])))/;

/**
 * Like `unmatchable`, for a block of lines at once: true when no line of it can match (the text lacks
 * every value of one thing asked for) and every line looks like an event, so none is corrupt and the
 * block is passed over without a step per line (one task's history in the log's last MiB: about 7,000
 * lines). Otherwise its lines are judged one by one.
 */
function unmatchableBlock(filter: EventFilter): ((text: string) => boolean) | undefined {
  const needed = neededTexts(filter);
  if (needed.length === 0) return undefined;
  return (text) =>
    needed.some((anyOf) => !anyOf.some((value) => text.includes(value))) && !UNLIKE_EVENT.test(text);
}

/** The time of a file's last event, read from its tail; undefined when its last line is not one. */
function lastEventTime(ws: Workspace, file: LogFile): number | undefined {
  for (const line of readLinesBackward(ws, file.path, 0, file.size, 4096)) {
    if (line.text.trim() === '') continue;
    const event = parseEventLine(line.text);
    return event && Date.parse(event.ts);
  }
  return undefined;
}

function readEventsBackward(ws: Workspace, files: readonly LogFile[], filter: EventFilter): EventsRead {
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  const last = filter.last ?? Number.POSITIVE_INFINITY;
  const floor = filter.since === undefined ? undefined : filter.since - SINCE_SLACK_MS;
  const skip = unmatchable(filter);
  const skipBlock = unmatchableBlock(filter);
  const end = endOf(files);
  const lowest = filter.within === undefined ? 0 : Math.max(0, end - filter.within);
  let truncated = false;
  for (let f = files.length - 1; f >= 0 && last > 0 && events.length < last; f--) {
    const file = files[f]!;
    if (file.size === 0) continue;
    if (file.start + file.size <= lowest) {
      truncated = true;
      break;
    }
    // A closed segment that ends before `since` holds nothing newer: segments are in time order,
    // but for those a merge filled with another branch's events, which end later and are read.
    if (!file.live && floor !== undefined && (lastEventTime(ws, file) ?? floor) < floor) continue;
    const from = Math.max(0, lowest - file.start);
    if (from > 0) truncated = true;
    const bad: Array<{ offset: number; text: string }> = [];
    blocks: for (const block of readLineBlocksBackward(ws, file.path, from, file.size)) {
      // A block that cannot hold a match nor a corrupt line: as its lines would each be skipped below.
      if (skipBlock?.(block.text)) continue;
      for (const line of block.lines()) {
        // A read cut at `within` starts mid-line: that partial line is not read.
        if (from > 0 && line.offset === from) break blocks;
        if (line.text.trim() === '' || skip?.(line.text)) continue;
        const event = parseEventLine(line.text);
        if (!event) {
          bad.push({ offset: line.offset, text: corruptText(line.text) });
          continue;
        }
        if (floor !== undefined && Date.parse(event.ts) < floor) break blocks;
        if (!matchesEvent(event, filter)) continue;
        events.push(event);
        if (events.length >= last) break blocks;
      }
    }
    corrupt.unshift(...numberBadLines(ws, file, bad));
  }
  if (events.length >= last) truncated = false;
  return { events: events.reverse(), corrupt, offset: end, ...(truncated ? { truncated } : {}) };
}

/** Numbers the bad lines found by a backward read (counting the lines before them: only when there are some). */
function numberBadLines(ws: Workspace, file: LogFile, bad: Array<{ offset: number; text: string }>) {
  if (bad.length === 0) return [];
  bad.reverse();
  const numbers = lineNumbersAt(
    ws,
    file.path,
    bad.map((b) => b.offset),
  );
  return bad.map((b, i) => ({ line: numbers[i]!, text: b.text, ...fileLabel(file) }));
}

/** The log's end: the position where a follower that wants only new events starts. No log is 0. */
export function eventLogSize(ws: Workspace): number {
  return endOf(eventLogFiles(ws));
}

/**
 * Reads the complete lines after `position` (see event-segments.ts), through the newest closed segment
 * when a rotation moved them there, and the live file; returns the events and the new position. Cheap
 * when nothing was appended (a folder listing and a few stats), so followers poll it.
 */
export function readEventsFrom(ws: Workspace, position: number): EventsRead {
  const files = eventLogFiles(ws);
  const live = files[files.length - 1]!;
  const end = live.start + live.size;
  // The log shrank (a merge, a doctor fix rewrote it): start over at the live file, not the whole history.
  if (end < position) position = live.start;
  if (end === position) return { events: [], corrupt: [], offset: position };
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  let next = position;
  for (const file of files) {
    if (file.start + file.size <= position) continue;
    const from = Math.max(0, position - file.start);
    // A half-written last line of the live file is left for the next read.
    const to = file.live ? lastLineStart(ws, file.path, from, file.size) : file.size;
    let number = -1; // numbered from 0 at `from`, not from the file's start (which would cost a count)
    for (const line of readLinesForward(ws, file.path, from, to)) {
      number++;
      if (line.trim() === '') continue;
      const event = parseEventLine(line);
      if (event) events.push(event);
      else corrupt.push({ line: number, text: corruptText(line), ...fileLabel(file) });
    }
    next = file.start + to;
  }
  return { events, corrupt, offset: next };
}

/**
 * The position just past the event `id`, found by skimming the log backwards for its text; undefined
 * when no line holds it. A reconnecting follower resumes there without the log being parsed.
 */
export function positionAfterEvent(ws: Workspace, id: string): number | undefined {
  const needle = `{"id":${JSON.stringify(id)},`;
  const files = eventLogFiles(ws);
  for (let f = files.length - 1; f >= 0; f--) {
    const file = files[f]!;
    for (const line of readLinesBackward(ws, file.path, 0, file.size)) {
      if (!line.text.startsWith(needle)) continue;
      return file.start + line.offset + Buffer.byteLength(line.text) + 1;
    }
  }
  return undefined;
}
