import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page.js';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';
import { type ErrorCode, OrcError, describeError } from '../shared/index.js';
import { type ApiContext, handleApi } from './http-api.js';
import { streamEvents } from './http-events.js';
import { BodyNotJson, BodyTooLarge } from './http-input.js';
import { type ServeToken, serveToken, tokenMatches } from './serve-token.js';
import type { Workspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';

export interface HttpServerOptions {
  /** The bearer token every route but /health (and the static page) requires. */
  token: string;
  /** Who to record in events (default: ORC_ACTOR, else the user name, as for the CLI). */
  actor?: string;
  /** How to invoke orc, for commands printed into briefs. */
  invocation?: string;
  /** Problems that do not fail a request (a provider falling back, a consolidation warning). */
  onWarning?: (message: string) => void;
  /** How a run started or decided over HTTP goes on (default: in this process; see RunContinuer). */
  continueRun?: RunContinuer;
}

/** HTTP status of each error code: the caller's fault is a 4xx. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CLAIM_LOST: 409,
  BUSY: 503,
  UNHEALTHY: 503,
  PROVIDER_FAILED: 502,
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers = {},
  details?: Record<string, unknown>,
): void {
  sendJson(
    res,
    status,
    { error: { code, message: message.split('\n')[0], ...(details ? { details } : {}) } },
    headers,
  );
}

/** Any thrown value as a JSON error: one line, never a stack. */
function sendThrown(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { code, message, details } = describeError(error);
  const status =
    error instanceof BodyTooLarge ? 413 : error instanceof BodyNotJson ? 415 : (HTTP_STATUS[code] ?? 500);
  sendError(res, status, code, message, {}, details);
}

function sendStatic(res: ServerResponse, type: string, body: string, headers = {}): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

const EVENTS_ROUTE = '/api/events/stream';

/**
 * The HTTP API and dashboard of a workspace, on node:http. Holds no state between requests but the open
 * event streams: every request reads the workspace, and every change goes through the library.
 */
export function createHttpServer(ws: Workspace, options: HttpServerOptions): Server {
  if (!options.token) throw new OrcError('INVALID_INPUT', 'the server needs a token');
  const ctx: ApiContext = {
    ws,
    actor: options.actor,
    invocation: options.invocation,
    onWarning: options.onWarning ?? (() => {}),
    continueRun: options.continueRun,
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendThrown(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    // The page and its script hold no data: everything on them comes from /api with the token.
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (path === '/')
        return sendStatic(res, 'text/html', DASHBOARD_HTML, { 'content-security-policy': DASHBOARD_CSP });
      if (path === '/dashboard.js') return sendStatic(res, 'text/javascript', DASHBOARD_SCRIPT);
      if (path === '/favicon.ico') {
        res.writeHead(204, SECURITY_HEADERS);
        return void res.end();
      }
    }
    if (!path.startsWith('/api/')) return sendError(res, 404, 'NOT_FOUND', `no route ${path}`);
    // EventSource cannot send headers: the event stream alone also takes the token as ?token=.
    const given =
      bearer(req) ?? (path === EVENTS_ROUTE ? (url.searchParams.get('token') ?? undefined) : undefined);
    if (!tokenMatches(given, options.token)) {
      req.resume();
      return sendError(
        res,
        401,
        'UNAUTHORIZED',
        given === undefined ? 'a bearer token is required (Authorization: Bearer <token>)' : 'wrong token',
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (path === EVENTS_ROUTE) {
      if (req.method !== 'GET') return sendError(res, 405, 'INVALID_INPUT', 'use GET', { allow: 'GET' });
      return streamEvents(ws, server, req, res, url);
    }
    const reply = await handleApi(ctx, req, url);
    if (reply.allow) {
      req.resume();
      return sendError(res, 405, 'INVALID_INPUT', `use ${reply.allow} for ${path}`, { allow: reply.allow });
    }
    if (reply.body === undefined) return sendError(res, 404, 'NOT_FOUND', `no route ${path}`);
    sendJson(res, reply.status ?? 200, reply.body);
  }

  // Long-lived event streams have no request timeout; a client that never finishes its headers does.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}

export interface StartServerOptions extends Partial<HttpServerOptions> {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  server: Server;
  url: string;
  host: string;
  port: number;
  /** Where the token came from (the token itself is in it: never log it). */
  token: ServeToken;
  close(): Promise<void>;
}

/** Starts `orc serve`: the token (given, ORC_TOKEN or .orc/serve-token), then listening on host:port. */
export async function startServer(ws: Workspace, options: StartServerOptions = {}): Promise<RunningServer> {
  const token: ServeToken = options.token
    ? { token: options.token, source: 'given' }
    : serveToken(ws, options.env ?? process.env);
  const server = createHttpServer(ws, { ...options, token: token.token });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES'
          ? new OrcError('INVALID_INPUT', `cannot listen on ${host}:${options.port ?? 7070}: ${error.code}`)
          : error,
      ),
    );
    server.listen(options.port ?? 7070, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      // Event streams notice within a poll that the server stopped listening, and end; connections
      // kept alive are closed as soon as their last request is answered. A connection a client left
      // half-closed would hold the server open until its keep-alive timeout: after a grace period, go.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const grace = setTimeout(() => server.closeAllConnections(), 1_000);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(grace);
        resolve();
      });
      server.closeIdleConnections();
    });
  return { server, url, host, port, token, close };
}
