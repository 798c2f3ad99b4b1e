import { defineOperation, fieldError } from './operation.js';
import { RUN_STATUSES } from '../records/index.js';

/* Runs: a task planned into steps and executed by agents, gates decided by people, reflection. */

const app = () => import('../app/index.js');
const runs = () => import('../runs/index.js');
const memory = () => import('../memory/index.js');

export const startRun = defineOperation({
  name: 'startRun',
  summary:
    'Start a run for a task (optional flow id and payload); returns at once, it runs in the background.',
  readOnly: false,
  fields: (z) => ({
    task: z.string().optional().describe('what to do (default with a flow: the flow id)'),
    flow: z.string().optional(),
    // Numbers and booleans are taken as their text: workflow tools (n8n) send them unquoted.
    payload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
  }),
  run: async (ctx, input) => {
    // A trigger (n8n, the seed's HTTP clients) may name a flow and no task: the flow says what to do.
    const task = input.task?.trim() || input.flow;
    if (!task) throw fieldError('task', 'must say what to do (or give a flow)');
    const payload =
      input.payload && Object.fromEntries(Object.entries(input.payload).map(([k, v]) => [k, String(v)]));
    const run = await (await app()).startRun(ctx.ws, { ...input, task, payload }, ctx);
    return { id: run.id, status: run.status, plan: run.plan, steps: run.steps.map((s) => s.id) };
  },
});

export const getRun = defineOperation({
  name: 'getRun',
  summary: "A run's status and steps (outputs, gates, decisions).",
  readOnly: true,
  fields: (z) => ({ run: z.string().describe('run id or unique prefix') }),
  run: async (ctx, input) => (await runs()).getRun(ctx.ws, input.run),
});

export const listRuns = defineOperation({
  name: 'listRuns',
  summary: 'Runs, newest first (steps as a count unless full).',
  readOnly: true,
  fields: (z) => ({
    status: z
      .enum([...RUN_STATUSES, 'all'])
      .optional()
      .describe('all: every run (the default)'),
    limit: z.number().int().min(1).max(10_000).optional(),
    full: z.boolean().optional().describe('each run with its steps'),
  }),
  run: async (ctx, input) => {
    const found = (await runs())
      .listRuns(ctx.ws, { status: input.status === 'all' ? undefined : input.status })
      .slice(0, input.limit);
    if (input.full) return found;
    return found.map(({ steps, ...run }) => ({
      ...run,
      steps: steps.length,
      done: steps.filter((s) => s.status === 'done').length,
    }));
  },
});

export const decideGate = defineOperation({
  name: 'decideGate',
  summary: 'Approve or reject a step waiting at a gate (step: needed when several wait); the run goes on.',
  readOnly: false,
  fields: (z) => ({
    run: z.string(),
    step: z.string().optional(),
    approved: z.boolean(),
    note: z.string().optional().describe('why; required to reject'),
  }),
  run: async (ctx, input) => {
    if (!input.approved && !input.note?.trim())
      throw fieldError('note', 'must say why: a rejection needs a reason');
    const { run, step } = await (await app()).decideGate(ctx.ws, input.run, input, ctx);
    return { run: run.id, step: step.id, decision: step.decision, status: run.status };
  },
});

export const cancelRun = defineOperation({
  name: 'cancelRun',
  summary: 'Cancel a run: its steps stop, its board tasks are cancelled.',
  readOnly: false,
  fields: (z) => ({ run: z.string(), reason: z.string().optional() }),
  run: async (ctx, input) =>
    (await runs()).cancelRun(ctx.ws, input.run, { reason: input.reason, actor: ctx.actor, now: ctx.now }),
});

export const listConfiguredAgents = defineOperation({
  name: 'listConfiguredAgents',
  summary: 'The agents of orchestrator.yaml and the agents registered on the board.',
  readOnly: true,
  fields: () => ({}),
  run: async (ctx) => {
    const [{ loadOrchestratorConfig }, { listAgents }] = await Promise.all([
      import('../config/index.js'),
      import('../board/index.js'),
    ]);
    return {
      // Commands, environments and providers stay out: they are configuration, and may hold secrets.
      configured: loadOrchestratorConfig(ctx.ws).agents.map((a) => ({
        id: a.id,
        name: a.name,
        description: a.description,
        kind: a.kind,
        capabilities: a.capabilities,
        ...(a.domain ? { domain: a.domain } : {}),
        ...(a.gate ? { gate: a.gate } : {}),
      })),
      board: listAgents(ctx.ws, { now: ctx.now }),
    };
  },
});

export const reflectOnRuns = defineOperation({
  name: 'reflectOnRuns',
  summary: 'Pending promotions from recurring failures, active rules, demotion candidates.',
  readOnly: true,
  fields: () => ({}),
  run: async (ctx) => (await memory()).reflect(ctx.ws),
});

export const decidePromotion = defineOperation({
  name: 'decidePromotion',
  summary: 'Approve (a gate rule is added) or reject a pending promotion.',
  readOnly: false,
  fields: (z) => ({
    id: z.string(),
    approver: z.string(),
    approved: z.boolean().optional().describe('default true'),
    reason: z.string().optional().describe('required to reject'),
  }),
  run: async (ctx, input) => {
    const { promotePattern, rejectPromotion } = await memory();
    const decision = { approver: input.approver, reason: input.reason };
    if (input.approved === false) {
      if (!input.reason?.trim()) throw fieldError('reason', 'must say why: a rejection needs a reason');
      await rejectPromotion(ctx.ws, input.id, decision);
      return { promotion: input.id, decision: 'rejected' as const };
    }
    return {
      promotion: input.id,
      decision: 'promoted' as const,
      rule: await promotePattern(ctx.ws, input.id, decision),
    };
  },
});

export const demoteRule = defineOperation({
  name: 'demoteRule',
  summary: 'Retire a policy rule, with who and why.',
  readOnly: false,
  fields: (z) => ({ rule: z.string(), approver: z.string(), reason: z.string() }),
  run: async (ctx, input) => ({
    rule: input.rule,
    removed: await (await memory()).demoteRule(ctx.ws, input.rule, {
      approver: input.approver,
      reason: input.reason,
    }),
  }),
});
