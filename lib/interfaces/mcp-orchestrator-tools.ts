import { listAgents } from '../board/index.js';
import { invalidInput } from '../shared/index.js';
import { type McpTool, type Zod, tool } from './mcp-tools.js';
import { loadOrchestratorConfig } from '../config/index.js';
import { demoteRule, promotePattern, reflect, rejectPromotion } from '../memory/index.js';
import { RUN_STATUSES } from '../records/index.js';
import { decideGate, startRun } from '../app/index.js';
import { getRun, listRuns } from '../runs/index.js';

/** The seed's eight tools, with its names and meaning: runs, gates, agents, reflection. */
export function orchestratorTools(z: Zod): McpTool[] {
  const id = z.string().min(1);
  const text = z.string();
  return [
    tool(
      'orchestrator_run',
      'Start a run for a task (optional flow id and payload); returns its id at once, it runs in the background.',
      {
        task: id,
        flow: text.optional(),
        payload: z.record(z.string(), z.string()).optional(),
        concurrency: z.number().int().min(1).max(256).optional(),
      },
      async (args, ctx) => {
        const run = await startRun(ctx.ws, args, ctx);
        return { id: run.id, status: run.status, plan: run.plan, steps: run.steps.map((s) => s.id) };
      },
    ),
    tool(
      'orchestrator_status',
      "A run's status and steps (outputs, gates, decisions).",
      { run: id },
      (args, ctx) => Promise.resolve(getRun(ctx.ws, args.run)),
    ),
    tool(
      'orchestrator_approve',
      'Approve or reject a step waiting at a gate (step: needed when several wait); the run continues.',
      {
        run: id,
        step: text.optional(),
        approved: z.boolean(),
        note: text.optional().describe('why; required to reject'),
      },
      async (args, ctx) => {
        if (!args.approved && !args.note?.trim()) throw invalidInput('rejecting needs a note: why');
        const { run, step } = await decideGate(ctx.ws, args.run, args, ctx);
        return { run: run.id, step: step.id, decision: step.decision?.decision, status: run.status };
      },
    ),
    tool(
      'orchestrator_list_runs',
      'Runs, newest first (steps as a count).',
      { status: z.enum(RUN_STATUSES).optional() },
      async (args, ctx) =>
        listRuns(ctx.ws, args).map(({ steps, ...run }) => ({ ...run, steps: steps.length })),
    ),
    tool(
      'orchestrator_list_agents',
      'The agents of orchestrator.yaml and the agents registered on the board.',
      {},
      async (_args, ctx) => ({
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
        board: listAgents(ctx.ws),
      }),
    ),
    tool(
      'orchestrator_reflect',
      'Pending promotions from recurring failures, active rules, demotion candidates.',
      {},
      async (_args, ctx) => reflect(ctx.ws),
    ),
    tool(
      'orchestrator_reflect_promote',
      'Approve (a gate rule is added) or reject a pending promotion.',
      {
        id,
        approver: id,
        approved: z.boolean().optional().describe('default true'),
        reason: text.optional().describe('required to reject'),
      },
      async (args, ctx) => {
        const input = { approver: args.approver, reason: args.reason };
        if (args.approved === false) {
          await rejectPromotion(ctx.ws, args.id, input);
          return { promotion: args.id, decision: 'rejected' };
        }
        return {
          promotion: args.id,
          decision: 'promoted',
          rule: await promotePattern(ctx.ws, args.id, input),
        };
      },
    ),
    tool(
      'orchestrator_reflect_demote',
      'Retire a policy rule, with who and why.',
      { rule: id, approver: id, reason: id },
      async (args, ctx) => ({
        rule: args.rule,
        removed: await demoteRule(ctx.ws, args.rule, { approver: args.approver, reason: args.reason }),
      }),
    ),
  ];
}
