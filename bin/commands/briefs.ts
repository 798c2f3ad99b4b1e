import { briefBudgetOption } from '../options.js';
import { type Context, print, printJson, warn } from '../output.js';
import { open } from './workspace.js';
import type { Task, Workspace } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { assertBriefReadable, renderBrief } = await subsystems.knowledge();

export type BriefFlags = { budget?: string };

/** Everything a brief needs that can be checked before a task is claimed for it. */
export function checkBrief(ws: Workspace, opts: BriefFlags): void {
  briefBudgetOption(opts.budget);
  assertBriefReadable(ws);
}

/** The brief of a task, as the library renders it for this invocation of orc. */
export function briefFor(ctx: Context, ws: Workspace, task: Task, opts: BriefFlags, handedOver: boolean) {
  return renderBrief(ws, task.id, {
    invocation: ctx.invocation,
    budget: briefBudgetOption(opts.budget),
    actor: ctx.actor,
    countRecalls: handedOver,
    onWarning: (message) => warn(ctx, message, 'PROVIDER_FAILED'),
  });
}

/** `orc brief <task>`: looking at a brief does not count as recalling the memories in it. */
export async function brief(ctx: Context, ref: string, opts: BriefFlags) {
  briefBudgetOption(opts.budget);
  const ws = open(ctx);
  const { getTask } = await subsystems.board();
  const result = await briefFor(ctx, ws, await getTask(ws, ref), opts, false);
  if (ctx.json) return printJson({ task: result.task, brief: result.brief, knowledge: result.knowledge });
  process.stdout.write(result.brief);
}

/**
 * `orc cycle brief <agent>`: claims the agent's next task of the cycle and prints its brief.
 * `orc cycle brief <workstream>` (a name that is a workstream and not an agent): prints what the cycle
 * plans in that workstream, claiming nothing, as the seed's `brief <ws>` did.
 */
export async function cycleBrief(ctx: Context, agent: string, opts: BriefFlags) {
  briefBudgetOption(opts.budget);
  const ws = open(ctx);
  checkBrief(ws, opts);
  const { claimCycleTask, listAgents, listWorkstreams } = await subsystems.board();
  const isAgent = listAgents(ws).some((a) => a.id === agent);
  if (!isAgent && listWorkstreams(ws).some((w) => w.name === agent)) {
    const { renderWorkstreamBrief } = await subsystems.knowledge();
    const result = await renderWorkstreamBrief(ws, agent, {
      budget: briefBudgetOption(opts.budget),
      invocation: ctx.invocation,
      onWarning: (message) => warn(ctx, message, 'PROVIDER_FAILED'),
    });
    if (ctx.json) return printJson(result);
    process.stdout.write(result.brief);
    return;
  }
  const task = await claimCycleTask(ws, agent, { actor: ctx.actor });
  if (!task) {
    if (ctx.json) return printJson({ task: null, brief: null, knowledge: [] });
    return print(`no ready task for ${agent}`);
  }
  const result = await briefFor(ctx, ws, task, opts, true);
  if (ctx.json) return printJson({ task: result.task, brief: result.brief, knowledge: result.knowledge });
  process.stdout.write(result.brief);
}
