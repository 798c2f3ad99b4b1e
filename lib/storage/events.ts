import { newId } from '../shared/index.js';
import { appendText, fileStamp } from './files.js';
import { lastLineStart, lineNumbersAt, readLinesBackward, readLinesForward } from './line-reader.js';
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
}

export interface CorruptLine {
  line: number;
  text: string;
}

export interface EventsRead {
  events: OrcEvent[];
  corrupt: CorruptLine[];
  /** Byte offset just past what was read, for following the file. */
  offset: number;
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
 * `since`, the log is read backwards from its end in chunks and the read stops once it has `last`
 * matching events or meets an event older than `since` (less the slack): it costs what it returns, and
 * `corrupt` holds the bad lines among those read. Otherwise the whole log is streamed line by line,
 * never held as one string, so logs beyond V8's string limit are read.
 */
export function readEvents(ws: Workspace, filter: EventFilter = {}): EventsRead {
  const size = eventLogSize(ws);
  if (size === 0) return { events: [], corrupt: [], offset: 0 };
  if (filter.last === undefined && filter.since === undefined) return readAllEvents(ws, filter, size);
  return readEventsBackward(ws, filter, size);
}

function readAllEvents(ws: Workspace, filter: EventFilter, size: number): EventsRead {
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  let number = 0;
  for (const line of readLinesForward(ws, ws.eventsFile, 0, size)) {
    number++;
    if (line.trim() === '') continue;
    const event = parseEventLine(line);
    if (!event) corrupt.push({ line: number, text: corruptText(line) });
    else if (matchesEvent(event, filter)) events.push(event);
  }
  return { events, corrupt, offset: size };
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
  const needed: string[][] = [];
  const quoted = (value: string) => JSON.stringify(value);
  // An empty value can be an absent key (subject defaults to ''): it is never required as text.
  if (filter.subject) needed.push([quoted(filter.subject)]);
  if (filter.subjects && !filter.subjects.includes('')) needed.push(filter.subjects.map(quoted));
  if (filter.actor) needed.push([quoted(filter.actor)]);
  if (filter.type)
    needed.push([filter.type.endsWith('.') ? quoted(filter.type).slice(0, -1) : quoted(filter.type)]);
  if (needed.length === 0) return undefined;
  return (line) => needed.some((anyOf) => !anyOf.some((text) => line.includes(text))) && looksLikeEvent(line);
}

function readEventsBackward(ws: Workspace, filter: EventFilter, size: number): EventsRead {
  const events: OrcEvent[] = [];
  const bad: Array<{ offset: number; text: string }> = [];
  const last = filter.last ?? Number.POSITIVE_INFINITY;
  const floor = filter.since === undefined ? undefined : filter.since - SINCE_SLACK_MS;
  const skip = unmatchable(filter);
  if (last > 0) {
    for (const line of readLinesBackward(ws, ws.eventsFile, 0, size)) {
      if (line.text.trim() === '' || skip?.(line.text)) continue;
      const event = parseEventLine(line.text);
      if (!event) {
        bad.push({ offset: line.offset, text: corruptText(line.text) });
        continue;
      }
      if (floor !== undefined && Date.parse(event.ts) < floor) break;
      if (!matchesEvent(event, filter)) continue;
      events.push(event);
      if (events.length >= last) break;
    }
  }
  // Numbering a bad line means counting the lines before it: done only when there is one.
  bad.reverse();
  const numbers =
    bad.length === 0
      ? []
      : lineNumbersAt(
          ws,
          ws.eventsFile,
          bad.map((b) => b.offset),
        );
  const corrupt = bad.map((b, i) => ({ line: numbers[i]!, text: b.text }));
  return { events: events.reverse(), corrupt, offset: size };
}

/** The log's size in bytes: where a follower that wants only new events starts. No log is 0. */
export function eventLogSize(ws: Workspace): number {
  return fileStamp(ws, ws.eventsFile)?.size ?? 0;
}

/**
 * Reads complete lines appended after `offset`; returns the events and the new offset. Cheap when
 * nothing was appended (one stat), so followers poll it.
 */
export function readEventsFrom(ws: Workspace, offset: number): EventsRead {
  const size = eventLogSize(ws);
  if (size < offset) offset = 0; // the file was replaced (a merge, a doctor fix): start over
  if (size === offset) return { events: [], corrupt: [], offset };
  // A half-written last line is left for the next read.
  const end = lastLineStart(ws, ws.eventsFile, offset, size);
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  let number = -1; // numbered from 0 at `offset`, not from the file's start (which would cost a count)
  for (const line of readLinesForward(ws, ws.eventsFile, offset, end)) {
    number++;
    if (line.trim() === '') continue;
    const event = parseEventLine(line);
    if (event) events.push(event);
    else corrupt.push({ line: number, text: corruptText(line) });
  }
  return { events, corrupt, offset: end };
}
