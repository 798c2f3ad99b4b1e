import { getAgent, registerAgent } from '../board/index.js';
import { assertBriefReadable, renderBrief } from '../knowledge/index.js';
import { completeTask, failTask, nextTask } from '../board/index.js';
import { parseDuration, parseSince } from '../shared/index.js';
import { OrcError } from '../shared/index.js';
import { readEvents } from '../storage/index.js';
import { searchKnowledge, writeKnowledge } from '../knowledge/index.js';
import { acquireLock, releaseLock } from '../board/index.js';
import { type McpTool, type ToolContext, type Zod, tool } from './mcp-tools.js';
import { TASK_STATUSES } from '../records/index.js';
import { addTask, listTasks } from '../board/index.js';

const durationMs = (value: string | undefined, what: string) =>
  value === undefined ? undefined : parseDuration(value, what);

/** The board: tasks with their briefs, knowledge, locks and the event log. */
export function boardTools(z: Zod): McpTool[] {
  const id = z.string().min(1);
  const text = z.string();
  const holder = {
    agent: text.optional().describe('you, the claim holder'),
    token: text.optional().describe('claim token from task_next'),
  };
  const ttl = text.optional().describe('e.g. 30m');
  return [
    tool(
      'task_next',
      'Claim the next ready task for an agent (registered if new); returns it with its brief, or task null.',
      { agent: id, workstream: text.optional(), ttl },
      async (args, ctx) => {
        assertBriefReadable(ctx.ws); // before the claim: a brief that failed after it would lose the token
        await ensureAgent(ctx, args.agent);
        const task = await nextTask(ctx.ws, {
          agent: args.agent,
          workstream: args.workstream,
          ttlMs: durationMs(args.ttl, 'ttl'),
          actor: ctx.actor,
        });
        if (!task) return { task: null, brief: null, knowledge: [] };
        const { brief, knowledge } = await renderBrief(ctx.ws, task.id, {
          invocation: 'orc',
          countRecalls: true,
          actor: ctx.actor,
          onWarning: ctx.onWarning,
        });
        return { task, brief, knowledge };
      },
    ),
    tool(
      'task_complete',
      'Mark a task done with its result.',
      { id, result: text.optional(), ...holder },
      async (args, ctx) =>
        completeTask(ctx.ws, args.id, args.result, {
          agent: args.agent,
          token: args.token,
          actor: ctx.actor,
        }),
    ),
    tool(
      'task_fail',
      'Mark a task failed with the reason.',
      { id, reason: id, ...holder },
      async (args, ctx) =>
        failTask(ctx.ws, args.id, args.reason, { agent: args.agent, token: args.token, actor: ctx.actor }),
    ),
    tool(
      'task_add',
      'Add a task to a workstream (priority 0-9, lower is more urgent).',
      {
        workstream: id,
        title: id,
        description: text.optional(),
        priority: z.number().int().optional(),
        deps: z.array(z.string()).optional(),
        tags: z.array(z.string()).optional(),
      },
      async (args, ctx) => addTask(ctx.ws, args, { actor: ctx.actor }),
    ),
    tool(
      'task_list',
      'Tasks, most urgent first; ready: only those task_next could hand out.',
      {
        workstream: text.optional(),
        status: z.enum(TASK_STATUSES).optional(),
        agent: text.optional(),
        tag: text.optional(),
        ready: z.boolean().optional(),
      },
      async (args, ctx) => listTasks(ctx.ws, args),
    ),
    tool(
      'kb_search',
      'Search the knowledge base: the best section of each relevant document.',
      { query: id, k: z.number().int().min(1).max(50).optional() },
      async (args, ctx) => {
        // freshnessMs 0: a document written a moment ago by anyone is found.
        const found = await searchKnowledge(ctx.ws, args.query, {
          k: args.k,
          freshnessMs: 0,
          onWarning: ctx.onWarning,
        });
        return {
          mode: found.mode,
          hits: found.hits,
          ...(found.warnings.length ? { warnings: found.warnings } : {}),
        };
      },
    ),
    tool(
      'kb_write',
      'Write a markdown document to the knowledge base (name like notes/topic).',
      { name: id, content: id, title: text.optional(), tags: z.array(z.string()).optional() },
      async (args, ctx) =>
        writeKnowledge(ctx.ws, args.name, args.content, {
          title: args.title,
          tags: args.tags,
          actor: ctx.actor,
        }),
    ),
    tool(
      'lock_acquire',
      'Take a resource lock (re-entrant for its owner); CONFLICT if someone else holds it.',
      { resource: id, agent: id, ttl },
      async (args, ctx) =>
        acquireLock(ctx.ws, args.resource, args.agent, {
          ttlMs: durationMs(args.ttl, 'ttl'),
          actor: ctx.actor,
        }),
    ),
    tool('lock_release', 'Release a lock you hold.', { resource: id, agent: id }, async (args, ctx) => ({
      resource: args.resource,
      lock: await releaseLock(ctx.ws, args.resource, args.agent, { actor: ctx.actor }),
    })),
    tool(
      'events_recent',
      'The last events of the log (default 20), optionally by type (or prefix like task.), subject, since.',
      {
        last: z.number().int().min(1).max(500).optional(),
        type: text.optional(),
        subject: text.optional(),
        since: text.optional().describe('ISO time or duration ago, e.g. 10m'),
      },
      async (args, ctx) => {
        const since = args.since === undefined ? undefined : parseSince(args.since);
        const read = readEvents(ctx.ws, {
          type: args.type,
          subject: args.subject,
          since,
          last: args.last ?? 20,
        });
        if (read.corrupt.length > 0)
          ctx.onWarning(`${read.corrupt.length} corrupt line(s) of events.jsonl skipped`);
        return read.events;
      },
    ),
  ];
}

/** task_next registers an unknown agent: an MCP client has no shell to run `orc a register` in. */
async function ensureAgent(ctx: ToolContext, agent: string): Promise<void> {
  try {
    getAgent(ctx.ws, agent);
  } catch (error) {
    if (!(error instanceof OrcError) || error.code !== 'NOT_FOUND') throw error;
    await registerAgent(ctx.ws, { id: agent, role: 'worker' }, { actor: ctx.actor });
  }
}
