import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseSince } from '../shared/index.js';
import {
  type OrcEvent,
  eventLogSize,
  positionAfterEvent,
  readEvents,
  readEventsFrom,
} from '../storage/index.js';
import { checkQuery } from './http-input.js';
import type { Workspace } from '../storage/index.js';

const POLL_MS = 200;
const HEARTBEAT_MS = 15_000;

/**
 * Where a stream starts: after the event a reconnecting client saw last (Last-Event-ID), at `since` (an
 * ISO time or a duration ago), else at the end of the log. Returns the events to send first and the
 * byte offset to follow from.
 */
function startOf(ws: Workspace, lastId: string | undefined, since: string | undefined) {
  if (lastId === undefined && since === undefined)
    return { backlog: [] as OrcEvent[], offset: eventLogSize(ws) };
  // `since` reads the log from its tail back to that time, not the whole log; following goes on from
  // the size it read up to.
  if (lastId === undefined) {
    const read = readEvents(ws, { since: parseSince(since!) });
    return { backlog: read.events, offset: read.offset };
  }
  // Found by skimming the log back from its end for the id's line, then read on from there: a replay
  // costs what it sends. An id no longer in the log (rewritten): nothing is replayed rather than everything.
  const after = positionAfterEvent(ws, lastId);
  if (after === undefined) return { backlog: [] as OrcEvent[], offset: eventLogSize(ws) };
  const read = readEventsFrom(ws, after);
  return { backlog: read.events, offset: read.offset };
}

/**
 * Server-sent events: each new line of events.jsonl as one message (`id` = the event id, `data` = the
 * event as JSON), found by polling the file's size; a comment line keeps idle connections open. Ends
 * when the client goes or the server stops listening.
 */
export function streamEvents(
  ws: Workspace,
  server: Server,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const query = checkQuery(url.searchParams, { token: 'string', since: 'string' });
  const header = req.headers['last-event-id'];
  const lastId = typeof header === 'string' && header !== '' ? header : undefined;
  let { backlog, offset } = startOf(ws, lastId, query.since as string | undefined);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
  });
  // One event is one frame whatever it holds: `data` is one JSON line (JSON escapes line breaks), and
  // an id that arrived by a merge with a CR, LF or NUL in it is left out rather than let split the frame.
  const send = (events: OrcEvent[]) => {
    for (const event of events) {
      const id = typeof event.id === 'string' && !/[\r\n\0]/.test(event.id) ? `id: ${event.id}\n` : '';
      res.write(`${id}data: ${JSON.stringify(event)}\n\n`);
    }
  };
  res.write('retry: 2000\n\n');
  send(backlog);
  backlog = [];
  let idleSince = Date.now();
  const timer = setInterval(() => {
    // The server is closing: end the stream and its connection, which would otherwise idle on.
    if (!server.listening) return stop(() => req.socket.destroy());
    try {
      const read = readEventsFrom(ws, offset);
      offset = read.offset;
      if (read.events.length > 0) {
        send(read.events);
        idleSince = Date.now();
      }
      if (Date.now() - idleSince >= HEARTBEAT_MS) {
        res.write(': heartbeat\n\n');
        idleSince = Date.now();
      }
    } catch (error) {
      res.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
    }
  }, POLL_MS);
  function stop(then?: () => void) {
    clearInterval(timer);
    if (!res.writableEnded) res.end(then);
  }
  // The response's close, not the request's: a request closes once its (empty) body is read.
  res.on('close', () => stop());
  res.on('error', () => stop());
}
