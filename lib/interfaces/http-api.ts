import type { IncomingMessage } from 'node:http';
import { listAgents } from '../board/index.js';
import { assertBriefReadable, renderBrief } from '../knowledge/index.js';
import { completeTask, failTask, nextTask } from '../board/index.js';
import { invalidInput } from '../shared/index.js';
import {
  type FieldSpec,
  type Fields,
  checkBody,
  checkQuery,
  pathSegment,
  readJsonBody,
} from './http-input.js';
import { searchKnowledge } from '../knowledge/index.js';
import type { SearchMode } from '../config/index.js';
import { listLocks } from '../board/index.js';
import { RUN_STATUSES } from '../records/index.js';
import { decideGate, startRun } from '../app/index.js';
import { getRun, listRuns } from '../runs/index.js';
import { statusSummary } from '../board/index.js';
import type { TaskStatus } from '../records/index.js';
import { addTask, listTasks } from '../board/index.js';
import type { Workspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';

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

interface Call {
  ctx: ApiContext;
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body, checked strictly against `spec`. */
  body<S extends Record<string, FieldSpec>>(spec: S): Promise<Fields<S>>;
}

type Handler = (call: Call) => Promise<ApiReply>;

const SEGMENT = '([^/]+)';
const routes: Array<{ method: 'GET' | 'POST'; path: RegExp; handle: Handler }> = [];
function route(method: 'GET' | 'POST', path: string, handle: Handler) {
  routes.push({ method, path: new RegExp(`^${path.replaceAll(':id', SEGMENT)}$`), handle });
}

const MAX_RUNS = 500;

route('GET', '/api/status', async ({ ctx, query }) => {
  const q = checkQuery(query, { recent: 'integer' });
  return { body: await statusSummary(ctx.ws, { recent: Math.min(Number(q.recent ?? 20), 1000) }) };
});

route('GET', '/api/tasks', async ({ ctx, query }) => {
  const q = checkQuery(query, { workstream: 'string', status: 'string', agent: 'string', tag: 'string' });
  return {
    body: await listTasks(ctx.ws, {
      workstream: q.workstream as string | undefined,
      status: q.status as TaskStatus | undefined,
      agent: q.agent as string | undefined,
      tag: q.tag as string | undefined,
    }),
  };
});

route('POST', '/api/tasks', async ({ ctx, body }) => {
  const input = await body({
    workstream: { kind: 'string', required: true },
    title: { kind: 'string', required: true },
    description: { kind: 'string' },
    priority: { kind: 'integer' },
    deps: { kind: 'strings' },
    tags: { kind: 'strings' },
  });
  return { status: 201, body: await addTask(ctx.ws, input, { actor: ctx.actor }) };
});

route('POST', '/api/tasks/next', async ({ ctx, body }) => {
  const input = await body({ agent: { kind: 'string', required: true }, workstream: { kind: 'string' } });
  assertBriefReadable(ctx.ws); // before the claim: a brief that failed after it would lose the token
  const task = await nextTask(ctx.ws, { agent: input.agent, workstream: input.workstream, actor: ctx.actor });
  if (!task) return { body: { task: null, brief: null, knowledge: [] } };
  const brief = await renderBrief(ctx.ws, task.id, {
    invocation: ctx.invocation,
    actor: ctx.actor,
    countRecalls: true,
    onWarning: ctx.onWarning,
  });
  return { body: { task: brief.task, brief: brief.brief, knowledge: brief.knowledge } };
});

const holderFields = { agent: { kind: 'string' }, token: { kind: 'string' } } as const;

route('POST', '/api/tasks/:id/complete', async ({ ctx, params, body }) => {
  const input = await body({ ...holderFields, result: { kind: 'string' } });
  const task = await completeTask(ctx.ws, params[0]!, input.result, {
    agent: input.agent,
    token: input.token,
    actor: ctx.actor,
  });
  return { body: task };
});

route('POST', '/api/tasks/:id/fail', async ({ ctx, params, body }) => {
  const input = await body({ ...holderFields, reason: { kind: 'string', required: true } });
  const task = await failTask(ctx.ws, params[0]!, input.reason, {
    agent: input.agent,
    token: input.token,
    actor: ctx.actor,
  });
  return { body: task };
});

route('GET', '/api/agents', async ({ ctx, query }) => {
  checkQuery(query, {});
  return { body: listAgents(ctx.ws) };
});

route('GET', '/api/locks', async ({ ctx, query }) => {
  const q = checkQuery(query, { all: 'string' });
  if (q.all !== undefined && q.all !== 'true' && q.all !== 'false')
    throw invalidInput('query parameter "all" must be true or false');
  return { body: listLocks(ctx.ws, { all: q.all === 'true' }) };
});

route('GET', '/api/knowledge/search', async ({ ctx, query }) => {
  const q = checkQuery(query, { q: 'string', k: 'integer', mode: 'string' });
  const text = String(q.q ?? '').trim();
  if (!text) throw invalidInput('query parameter "q" is required');
  const k = Number(q.k ?? 5);
  if (k < 1 || k > 50) throw invalidInput('query parameter "k" must be from 1 to 50');
  return { body: await searchKnowledge(ctx.ws, text, { k, mode: q.mode as SearchMode | undefined }) };
});

route('GET', '/api/runs', async ({ ctx, query }) => {
  const q = checkQuery(query, { status: 'string', limit: 'integer' });
  const status = q.status as string | undefined;
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status))
    throw invalidInput(`query parameter "status" must be one of ${RUN_STATUSES.join(', ')}`);
  const limit = Number(q.limit ?? 50);
  if (limit < 1 || limit > MAX_RUNS)
    throw invalidInput(`query parameter "limit" must be from 1 to ${MAX_RUNS}`);
  return { body: listRuns(ctx.ws, { status }).slice(0, limit) };
});

route('POST', '/api/runs', async ({ ctx, body }) => {
  const input = await body({
    task: { kind: 'string', required: true },
    flow: { kind: 'string' },
    payload: { kind: 'stringMap' },
    concurrency: { kind: 'integer' },
  });
  if (input.concurrency !== undefined && input.concurrency < 1)
    throw invalidInput('field "concurrency" must be a whole number ≥ 1');
  const run = await startRun(ctx.ws, input, {
    actor: ctx.actor,
    invocation: ctx.invocation,
    onWarning: ctx.onWarning,
  });
  return { status: 202, body: { id: run.id, status: run.status } };
});

route('GET', '/api/runs/:id', async ({ ctx, params, query }) => {
  checkQuery(query, {});
  return { body: getRun(ctx.ws, params[0]!) };
});

/** Decides a waiting gate the way `orc approve|reject` does; the run goes on in the background. */
async function decide(ctx: ApiContext, runRef: string, approved: boolean, step?: string, note?: string) {
  const { run, step: decided } = await decideGate(ctx.ws, runRef, { approved, step, note }, ctx);
  return { body: { run: run.id, step: decided.id, decision: decided.decision, status: run.status } };
}

route('POST', '/api/runs/:id/approve', async ({ ctx, params, body }) => {
  const input = await body({ step: { kind: 'string' }, note: { kind: 'string' } });
  return decide(ctx, params[0]!, true, input.step, input.note);
});

route('POST', '/api/runs/:id/reject', async ({ ctx, params, body }) => {
  const input = await body({ step: { kind: 'string' }, reason: { kind: 'string', required: true } });
  return decide(ctx, params[0]!, false, input.step, input.reason);
});

route('POST', '/api/runs/:id/decision', async ({ ctx, params, body }) => {
  const input = await body({
    approved: { kind: 'boolean', required: true },
    step: { kind: 'string' },
    note: { kind: 'string' },
  });
  return decide(ctx, params[0]!, input.approved, input.step, input.note);
});

/** Finds the route of a request and runs it; `{}` when no route has the path. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, url: URL): Promise<ApiReply> {
  const allowed: string[] = [];
  for (const r of routes) {
    const match = r.path.exec(url.pathname);
    if (!match) continue;
    if (r.method !== req.method) {
      allowed.push(r.method);
      continue;
    }
    const params = match.slice(1).map(pathSegment);
    let parsed: Promise<unknown> | undefined;
    if (r.method === 'GET') req.resume();
    else checkQuery(url.searchParams, {}); // a POST says everything in its body
    return r.handle({
      ctx,
      params,
      query: url.searchParams,
      body: async (spec) => {
        parsed ??= readJsonBody(req);
        return checkBody(await parsed, spec);
      },
    });
  }
  return allowed.length > 0 ? { allow: allowed.join(', ') } : {};
}
