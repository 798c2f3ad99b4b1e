import { defineOperation, durationField } from './operation.js';

/* Locks, agents, workstreams, the event log and the board's status. */

const board = () => import('../board/index.js');

export const acquireLock = defineOperation({
  name: 'acquireLock',
  summary: 'Take a resource lock (re-entrant for its owner); CONFLICT if someone else holds it.',
  readOnly: false,
  fields: (z) => ({
    resource: z.string().describe('a path, glob or service name'),
    agent: z.string().describe('the owner'),
    ttl: z.string().optional().describe('e.g. 10m (default board.lock_ttl)'),
    wait: z.string().optional().describe('keep trying this long while someone else holds it, e.g. 30s'),
  }),
  run: async (ctx, input) =>
    (await board()).acquireLock(ctx.ws, input.resource, input.agent, {
      ttlMs: await durationField('ttl', input.ttl),
      waitMs: await durationField('wait', input.wait),
      actor: ctx.actor,
      now: ctx.now,
    }),
});

export const releaseLock = defineOperation({
  name: 'releaseLock',
  summary: 'Release a lock you hold (force: one held by someone else, recorded).',
  readOnly: false,
  fields: (z) => ({ resource: z.string(), agent: z.string(), force: z.boolean().optional() }),
  run: async (ctx, input) => {
    const lock = await (await board()).releaseLock(ctx.ws, input.resource, input.agent, {
      force: input.force,
      actor: ctx.actor,
      now: ctx.now,
    });
    return { resource: input.resource, released: lock === null, lock };
  },
});

export const listLocks = defineOperation({
  name: 'listLocks',
  summary: 'Locks held now (all: expired ones too).',
  readOnly: true,
  fields: (z) => ({ all: z.boolean().optional() }),
  run: async (ctx, input) => (await board()).listLocks(ctx.ws, { all: input.all, now: ctx.now }),
});

export const registerAgent = defineOperation({
  name: 'registerAgent',
  summary: 'Register an agent (or change its role and capabilities).',
  readOnly: false,
  fields: (z) => ({
    id: z.string(),
    role: z.string().optional().describe('default worker'),
    capabilities: z.array(z.string()).optional(),
  }),
  run: async (ctx, input) => (await board()).registerAgent(ctx.ws, input, { actor: ctx.actor, now: ctx.now }),
});

export const heartbeatAgent = defineOperation({
  name: 'heartbeatAgent',
  summary: 'Say the agent is alive and renew the leases of the tasks it holds; lost lists claims it lost.',
  readOnly: false,
  fields: (z) => ({ agent: z.string(), ttl: z.string().optional().describe('new lease length, e.g. 30m') }),
  run: async (ctx, input) =>
    (await board()).heartbeatAgent(ctx.ws, input.agent, {
      ttlMs: await durationField('ttl', input.ttl),
      actor: ctx.actor,
      now: ctx.now,
    }),
});

export const getAgent = defineOperation({
  name: 'getAgent',
  summary: 'One agent, live or stale, with the tasks it holds.',
  readOnly: true,
  fields: (z) => ({ id: z.string() }),
  run: async (ctx, input) => {
    const { getAgent, listTasks } = await board();
    const agent = getAgent(ctx.ws, input.id, { now: ctx.now });
    return { ...agent, claims: await listTasks(ctx.ws, { agent: input.id, status: 'claimed' }) };
  },
});

export const listAgents = defineOperation({
  name: 'listAgents',
  summary: 'Registered agents, live or stale.',
  readOnly: true,
  fields: () => ({}),
  run: async (ctx) => (await board()).listAgents(ctx.ws, { now: ctx.now }),
});

export const unregisterAgent = defineOperation({
  name: 'unregisterAgent',
  summary: 'Remove an agent: its tasks go back to the queue, its locks are released.',
  readOnly: false,
  fields: (z) => ({ id: z.string() }),
  run: async (ctx, input) =>
    (await board()).unregisterAgent(ctx.ws, input.id, { actor: ctx.actor, now: ctx.now }),
});

export const createWorkstream = defineOperation({
  name: 'createWorkstream',
  summary: 'Create a workstream (priority 0-9, lower is more urgent).',
  readOnly: false,
  fields: (z) => ({
    name: z.string(),
    description: z.string().optional(),
    priority: z.number().int().optional(),
  }),
  run: async (ctx, input) =>
    (await board()).createWorkstream(ctx.ws, input, { actor: ctx.actor, now: ctx.now }),
});

export const listWorkstreams = defineOperation({
  name: 'listWorkstreams',
  summary: 'Workstreams, most urgent first, with their task counts by status.',
  readOnly: true,
  fields: () => ({}),
  run: async (ctx) => {
    const [{ listWorkstreams }, { loadSummary }, { TASK_STATUSES }] = await Promise.all([
      board(),
      import('../storage/index.js'),
      import('../records/index.js'),
    ]);
    // The counts the task index keeps, not a count over every task.
    const { counts: stored } = await loadSummary(ctx.ws);
    return listWorkstreams(ctx.ws).map((w) => {
      const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, stored.get(w.name)?.[s] ?? 0]));
      return { ...w, counts: counts as Record<string, number> };
    });
  },
});

export const logEvent = defineOperation({
  name: 'logEvent',
  summary: 'Append an event of your own to the log (type like deploy.finished).',
  readOnly: false,
  fields: (z) => ({
    type: z.string(),
    subject: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional().describe('a JSON object'),
  }),
  run: async (ctx, input) => (await board()).logEvent(ctx.ws, input, { actor: ctx.actor, now: ctx.now }),
});

export const listEvents = defineOperation({
  name: 'listEvents',
  summary:
    'Events of the log, oldest first: by type (or prefix like task.), subject, actor, since; the last N.',
  readOnly: true,
  fields: (z) => ({
    type: z.string().optional(),
    subject: z.string().optional(),
    actor: z.string().optional(),
    since: z.string().optional().describe('ISO time or duration ago, e.g. 10m'),
    last: z.number().int().min(0).max(100_000).optional(),
    within: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "with last or since: bytes of the log's end to look through (truncated says if older went unread)",
      ),
  }),
  run: async (ctx, input) => {
    const [{ readEvents }, { parseSince }] = await Promise.all([
      import('../storage/index.js'),
      import('../shared/index.js'),
    ]);
    const since = input.since === undefined ? undefined : parseSince(input.since, ctx.now?.getTime());
    // The lines that are not events come back with them (`corrupt`): each front end reports them its way.
    return readEvents(ctx.ws, { ...input, since });
  },
});

export const getStatus = defineOperation({
  name: 'getStatus',
  summary: 'Workstreams with task counts, agents, claims, locks and recent events.',
  readOnly: true,
  fields: (z) => ({
    recent: z.number().int().min(0).max(1000).optional().describe('recent events (10)'),
    claims: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('list at most this many claims, soonest to expire first (all; claimCount counts them)'),
  }),
  run: async (ctx, input) =>
    (await board()).statusSummary(ctx.ws, { recent: input.recent, claims: input.claims, now: ctx.now }),
});
