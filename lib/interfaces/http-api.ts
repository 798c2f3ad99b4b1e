import type { IncomingMessage } from 'node:http';
import { invalidInput, quote } from '../shared/index.js';
import { checkQuery, pathSegment, readJsonBody } from './http-input.js';
import {
  type Operation,
  type OperationContext,
  type OperationName,
  fieldKinds,
  operations,
  renameFields,
  runOperation,
} from '../operations/index.js';
import type { Workspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';

/*
 * The HTTP API: each route is an operation (lib/operations), its input taken from the JSON body of a
 * POST or the query of a GET, plus the ids in its path. Bodies and queries are checked by the
 * operation's own schema, so HTTP refuses and accepts exactly what the CLI and MCP do. Where HTTP
 * differs, on purpose: a query's `q` is the search `query`; `reject` takes the `reason` as the note;
 * `next` hands out the brief unless `"brief": false`.
 */

export interface ApiContext {
  ws: Workspace;
  actor?: string;
  invocation?: string;
  onWarning: (message: string) => void;
  /** How a started or decided run goes on (see RunContinuer). */
  continueRun?: RunContinuer;
}

/** A handler's answer: a JSON body and its status; `allow` when the path exists for other methods. */
export interface ApiReply {
  status?: number;
  body?: unknown;
  allow?: string;
}

type Method = 'GET' | 'POST';

interface Route {
  method: Method;
  path: RegExp;
  /** The path's named segments, in order (`:id` → the field `id`). */
  params: string[];
  operation: OperationName;
  /** Status of a success (200 unless said). */
  status?: number;
  /** Input fixed by the route, or renamed from what HTTP calls it. */
  input?: (given: Record<string, unknown>) => Record<string, unknown>;
  /** The answer's body from the operation's result (the result itself unless said). */
  reply?: (result: never) => unknown;
}

const routes: Route[] = [];

function route(method: Method, path: string, operation: OperationName, extra: Partial<Route> = {}) {
  const params: string[] = [];
  const pattern = path.replace(/:(\w+)/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  routes.push({ method, path: new RegExp(`^${pattern}$`), params, operation, ...extra });
}

route('GET', '/api/status', 'getStatus');
route('GET', '/api/workstreams', 'listWorkstreams');
route('POST', '/api/workstreams', 'createWorkstream', { status: 201 });
route('GET', '/api/tasks', 'listTasks');
route('POST', '/api/tasks', 'addTask', { status: 201 });
route('POST', '/api/tasks/next', 'nextTask');
route('GET', '/api/tasks/:id', 'getTask');
route('POST', '/api/tasks/:id/claim', 'claimTask');
route('POST', '/api/tasks/:id/complete', 'completeTask');
route('POST', '/api/tasks/:id/fail', 'failTask');
route('POST', '/api/tasks/:id/release', 'releaseTask');
route('POST', '/api/tasks/:id/notes', 'addTaskNote', { status: 201 });
route('POST', '/api/tasks/:id/update', 'updateTask');
route('POST', '/api/tasks/:id/cancel', 'cancelTask');
route('POST', '/api/tasks/:id/reopen', 'reopenTask');
route('GET', '/api/tasks/:id/brief', 'getTaskBrief');
route('GET', '/api/agents', 'listAgents');
route('POST', '/api/agents', 'registerAgent', { status: 201 });
route('GET', '/api/agents/:id', 'getAgent');
route('POST', '/api/agents/:agent/heartbeat', 'heartbeatAgent');
route('GET', '/api/locks', 'listLocks');
route('POST', '/api/locks', 'acquireLock');
route('POST', '/api/locks/release', 'releaseLock');
route('GET', '/api/knowledge', 'listKnowledge');
route('POST', '/api/knowledge', 'writeKnowledge');
route('GET', '/api/events', 'listEvents');
route('POST', '/api/events', 'logEvent', { status: 201 });
route('GET', '/api/knowledge/search', 'searchKnowledge', {
  input: ({ q, ...rest }) => ({ ...rest, query: q ?? '' }),
});
// With their steps (the dashboard draws them), 50 unless asked.
route('GET', '/api/runs', 'listRuns', { input: (given) => ({ limit: 50, full: true, ...given }) });
// `flow_id`: the seed's HTTP trigger, as n8n and similar tools call it.
route('POST', '/api/runs', 'startRun', {
  status: 202,
  input: (given) => renameFields(given, { flow_id: 'flow' }),
});
route('GET', '/api/runs/:run', 'getRun');
route('POST', '/api/runs/:run/approve', 'decideGate', { input: (given) => ({ ...given, approved: true }) });
route('POST', '/api/runs/:run/reject', 'decideGate', {
  input: ({ reason, ...rest }) => ({ ...rest, note: reason, approved: false }),
});
route('POST', '/api/runs/:run/decision', 'decideGate');
route('POST', '/api/runs/:run/cancel', 'cancelRun');

/**
 * A query as an operation's input: each parameter at most once; a number or true/false where the
 * field is one (anything else is passed on as text, for the schema to name what is wrong).
 */
function queryInput(op: Operation, params: URLSearchParams, renamed: Record<string, string>) {
  const input: Record<string, unknown> = {};
  const spec = Object.fromEntries([...new Set(params.keys())].map((key) => [key, 'string' as const]));
  for (const [key, text] of Object.entries(checkQuery(params, spec))) {
    const field = renamed[key] ?? key;
    const kind = fieldKinds(op)[field];
    if (kind === 'number' && /^\d{1,15}$/.test(String(text))) input[key] = Number(text);
    else if (kind === 'boolean' && (text === 'true' || text === 'false')) input[key] = text === 'true';
    else input[key] = text;
  }
  return input;
}

/** Finds the route of a request and runs its operation; `{}` when no route has the path. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, url: URL): Promise<ApiReply> {
  const allowed: string[] = [];
  // A path written out (`/api/tasks/next`) wins over a pattern it also matches (`/api/tasks/:id`).
  const matching = routes.filter((r) => r.path.test(url.pathname));
  const literal = matching.filter((r) => r.params.length === 0);
  for (const r of literal.length > 0 ? literal : matching) {
    const match = r.path.exec(url.pathname)!;
    if (r.method !== req.method) {
      allowed.push(r.method);
      continue;
    }
    const op = operations[r.operation] as Operation;
    let given: Record<string, unknown>;
    if (r.method === 'GET') {
      req.resume();
      given = queryInput(op, url.searchParams, r.operation === 'searchKnowledge' ? { q: 'query' } : {});
    } else {
      checkQuery(url.searchParams, {}); // a POST says everything in its body
      const body = await readJsonBody(req);
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))
        throw invalidInput('the request body must be a JSON object');
      given = { ...(body as Record<string, unknown> | undefined) };
    }
    r.params.forEach((name, i) => {
      if (given[name] !== undefined)
        throw invalidInput(`field ${quote(name)} comes from the path: leave it out of the request`, {
          field: name,
        });
      given[name] = pathSegment(match[i + 1]!);
    });
    const opContext: OperationContext = {
      ws: ctx.ws,
      actor: ctx.actor,
      invocation: ctx.invocation,
      onWarning: ctx.onWarning,
      continueRun: ctx.continueRun,
    };
    const result = await runOperation(op, opContext, r.input ? r.input(given) : given);
    return { status: r.status ?? 200, body: r.reply ? r.reply(result as never) : result };
  }
  return allowed.length > 0 ? { allow: allowed.join(', ') } : {};
}
