import { newId } from '../shared/index.js';
import { appendText, fileStamp, readRange, readText } from './files.js';
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

/** Parses event lines; a line that is not an event is reported with its number, not fatal. */
export function parseEventLines(text: string, firstLine = 1): { events: OrcEvent[]; corrupt: CorruptLine[] } {
  const events: OrcEvent[] = [];
  const corrupt: CorruptLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line);
      if (isEvent(value)) {
        value.subject ??= '';
        value.data ??= {};
        events.push(value);
        continue;
      }
    } catch {
      // reported below
    }
    corrupt.push({ line: firstLine + i, text: line.length > 80 ? `${line.slice(0, 79)}…` : line });
  }
  return { events, corrupt };
}

export function readEvents(ws: Workspace, filter: EventFilter = {}): EventsRead {
  const text = readText(ws, ws.eventsFile);
  if (text === undefined) return { events: [], corrupt: [], offset: 0 };
  const { events, corrupt } = parseEventLines(text);
  let matching = events.filter((event) => matchesEvent(event, filter));
  if (filter.last !== undefined) matching = matching.slice(Math.max(0, matching.length - filter.last));
  return { events: matching, corrupt, offset: Buffer.byteLength(text) };
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
  const text = readRange(ws, ws.eventsFile, offset, size - offset).toString('utf8');
  const end = text.lastIndexOf('\n') + 1; // leave a half-written last line for the next read
  const parsed = parseEventLines(text.slice(0, end), 0);
  return { ...parsed, offset: offset + Buffer.byteLength(text.slice(0, end)) };
}
