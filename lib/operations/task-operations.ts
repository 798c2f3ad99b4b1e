import { defineOperation, durationField } from './operation.js';
import { TASK_STATUSES, type ZodV3 } from '../records/index.js';

/*
 * The task board's use cases. Texts are checked for length and control characters by the board itself
 * (the same rules whatever the front end); the schemas fix the types and which fields exist.
 */

const holderFields = (z: ZodV3) => ({
  agent: z.string().optional().describe('you, the claim holder'),
  token: z.string().optional().describe('the claim token task_next gave you'),
  force: z.boolean().optional().describe('act although another agent holds a live claim (recorded)'),
});

const ttlField = (z: ZodV3) =>
  z.string().optional().describe('lease length, e.g. 30m (default board.claim_ttl)');

const board = () => import('../board/index.js');

export const addTask = defineOperation({
  name: 'addTask',
  summary: 'Add a task to a workstream (priority 0-9, lower is more urgent).',
  readOnly: false,
  fields: (z) => ({
    workstream: z.string(),
    title: z.string(),
    description: z.string().optional(),
    priority: z.number().int().optional(),
    deps: z.array(z.string()).optional().describe('ids of tasks that must be done first'),
    tags: z.array(z.string()).optional(),
  }),
  run: async (ctx, input) => (await board()).addTask(ctx.ws, input, { actor: ctx.actor, now: ctx.now }),
});

export const listTasks = defineOperation({
  name: 'listTasks',
  summary: 'Tasks, most urgent first; ready: only those task_next could hand out.',
  readOnly: true,
  fields: (z) => ({
    workstream: z.string().optional(),
    status: z.enum(TASK_STATUSES).optional(),
    agent: z.string().optional().describe('tasks claimed by this agent'),
    tag: z.string().optional(),
    ready: z.boolean().optional(),
    search: z.string().optional().describe('title or description contains this text (any case)'),
    hideFinished: z.boolean().optional().describe('hide done and cancelled tasks'),
    hideRuns: z.boolean().optional().describe("hide the tasks of runs' steps (workstreams run-…)"),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('at most this many; with a limit or a hide, open and claimed work comes first'),
  }),
  run: async (ctx, input) => (await board()).listTasks(ctx.ws, input, { now: ctx.now }),
});

export const getTask = defineOperation({
  name: 'getTask',
  summary: 'One task by id (or unique id prefix).',
  readOnly: true,
  fields: (z) => ({ id: z.string() }),
  run: async (ctx, input) => (await board()).getTask(ctx.ws, input.id),
});

export const updateTask = defineOperation({
  name: 'updateTask',
  summary: "Change a task's title, description, priority, tags or dependencies.",
  readOnly: false,
  fields: (z) => ({
    id: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    priority: z.number().int().optional(),
    tags: z.array(z.string()).optional().describe('replaces the tags'),
    addDeps: z.array(z.string()).optional(),
    removeDeps: z.array(z.string()).optional(),
  }),
  run: async (ctx, { id, ...change }) =>
    (await board()).updateTask(ctx.ws, id, change, { actor: ctx.actor, now: ctx.now }),
});

export const claimTask = defineOperation({
  name: 'claimTask',
  summary: 'Claim one task by id for an agent, under a lease.',
  readOnly: false,
  fields: (z) => ({ id: z.string(), agent: z.string(), ttl: ttlField(z) }),
  run: async (ctx, input) =>
    (await board()).claimTask(ctx.ws, input.id, input.agent, {
      ttlMs: await durationField('ttl', input.ttl),
      actor: ctx.actor,
      now: ctx.now,
    }),
});

/**
 * The agent's next task, claimed atomically, with its brief when asked: everything an agent needs to
 * start. The brief's budget and the knowledge base are checked before the claim, since a brief that
 * failed after it would leave the agent without its token.
 */
export const nextTask = defineOperation({
  name: 'nextTask',
  summary:
    'Claim the next ready task for an agent; returns it with its brief (task null when none is ready).',
  readOnly: false,
  fields: (z) => ({
    agent: z.string(),
    workstream: z.string().optional(),
    ttl: ttlField(z),
    brief: z.boolean().optional().describe('include the brief (default true)'),
    budget: z.number().int().min(500).max(1_000_000).optional().describe('characters of the brief'),
    register: z.boolean().optional().describe('register the agent as a worker if it is new'),
    another: z
      .boolean()
      .optional()
      .describe('take one more task although you hold one (default: it is handed back)'),
  }),
  run: async (ctx, input) => {
    const { nextTask, registerAgent, listAgents } = await board();
    const ttlMs = await durationField('ttl', input.ttl);
    const withBrief = input.brief ?? true;
    const knowledge = withBrief ? await import('../knowledge/index.js') : undefined;
    knowledge?.assertBriefReadable(ctx.ws);
    if (input.register && !listAgents(ctx.ws).some((a) => a.id === input.agent))
      await registerAgent(ctx.ws, { id: input.agent, role: 'worker' }, { actor: ctx.actor, now: ctx.now });
    const task = await nextTask(ctx.ws, {
      agent: input.agent,
      workstream: input.workstream,
      ttlMs,
      another: input.another,
      actor: ctx.actor,
      now: ctx.now,
    });
    if (!task || !knowledge) return { task, brief: null, knowledge: [] as string[] };
    const brief = await knowledge.renderBrief(ctx.ws, task.id, {
      invocation: ctx.invocation,
      budget: input.budget,
      actor: ctx.actor,
      countRecalls: true,
      onWarning: ctx.onWarning,
    });
    return { task: brief.task, brief: brief.brief, knowledge: brief.knowledge };
  },
});

/** A task's brief as an agent taking it would read it; looking does not count as recalling its memories. */
export const getTaskBrief = defineOperation({
  name: 'getTaskBrief',
  summary: "A task's brief (what an agent that takes it reads), without claiming it.",
  readOnly: true,
  fields: (z) => ({
    id: z.string(),
    budget: z.number().int().min(500).max(1_000_000).optional().describe('characters of the brief'),
  }),
  run: async (ctx, input) => {
    const knowledge = await import('../knowledge/index.js');
    knowledge.assertBriefReadable(ctx.ws);
    const brief = await knowledge.renderBrief(ctx.ws, input.id, {
      invocation: ctx.invocation,
      budget: input.budget,
      actor: ctx.actor,
      countRecalls: false,
      onWarning: ctx.onWarning,
    });
    return { task: brief.task, brief: brief.brief, knowledge: brief.knowledge };
  },
});

export const completeTask = defineOperation({
  name: 'completeTask',
  summary: 'Mark a task done with its result.',
  readOnly: false,
  fields: (z) => ({ id: z.string(), result: z.string().optional(), ...holderFields(z) }),
  run: async (ctx, { id, result, ...holder }) =>
    (await board()).completeTask(ctx.ws, id, result, { ...holder, actor: ctx.actor, now: ctx.now }),
});

export const failTask = defineOperation({
  name: 'failTask',
  summary: 'Mark a task failed with the reason.',
  readOnly: false,
  fields: (z) => ({ id: z.string(), reason: z.string(), ...holderFields(z) }),
  run: async (ctx, { id, reason, ...holder }) =>
    (await board()).failTask(ctx.ws, id, reason, { ...holder, actor: ctx.actor, now: ctx.now }),
});

export const releaseTask = defineOperation({
  name: 'releaseTask',
  summary: 'Give a claimed task back to the queue.',
  readOnly: false,
  fields: (z) => ({ id: z.string(), ...holderFields(z) }),
  run: async (ctx, { id, ...holder }) =>
    (await board()).releaseTask(ctx.ws, id, { ...holder, actor: ctx.actor, now: ctx.now }),
});

export const cancelTask = defineOperation({
  name: 'cancelTask',
  summary: 'Cancel a task that is not finished.',
  readOnly: false,
  fields: (z) => ({ id: z.string(), reason: z.string().optional() }),
  run: async (ctx, input) =>
    (await board()).cancelTask(ctx.ws, input.id, { reason: input.reason, actor: ctx.actor, now: ctx.now }),
});

export const reopenTask = defineOperation({
  name: 'reopenTask',
  summary: 'Put a done, failed or cancelled task back in the queue.',
  readOnly: false,
  fields: (z) => ({ id: z.string() }),
  run: async (ctx, input) => (await board()).reopenTask(ctx.ws, input.id, { actor: ctx.actor, now: ctx.now }),
});

export const addTaskNote = defineOperation({
  name: 'addTaskNote',
  summary: 'Add a progress note to a task (shown with the task and in its brief).',
  readOnly: false,
  fields: (z) => ({
    id: z.string(),
    text: z.string(),
    agent: z.string().optional().describe('who notes it'),
  }),
  run: async (ctx, input) =>
    (await board()).addTaskNote(ctx.ws, input.id, input.text, {
      agent: input.agent,
      actor: ctx.actor,
      now: ctx.now,
    }),
});

export const primeAgent = defineOperation({
  name: 'primeAgent',
  summary: 'What an agent needs at session start: its claims, ready tasks, its locks and the protocol.',
  readOnly: true,
  fields: (z) => ({ agent: z.string().optional() }),
  run: async (ctx, input) => {
    const { primeAgent, renderPrime } = await board();
    const facts = await primeAgent(ctx.ws, {
      agent: input.agent,
      invocation: ctx.invocation ?? 'orc',
      now: ctx.now,
    });
    return { ...facts, text: renderPrime(facts) };
  },
});
