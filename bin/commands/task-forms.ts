import { perform } from '../operations.js';
import type { Context } from '../output.js';
import type { Task } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { OrcError, invalidInput, quote } = await subsystems.shared();

/** A task named as orc names it (`<id> …`) or as the OpSpawn seed does (`<ws> <id> …`). */
export interface TaskArguments {
  /** The task's id, or a prefix of it. */
  ref: string;
  /** The argument after the task (a result, a reason, an agent), if given. */
  rest?: string;
  /** The task, when it was read to tell the forms apart or to check its workstream. */
  task?: Task;
}

/** How many arguments each form of a command takes: orc's at most, the seed's (with the workstream) at least. */
export interface TaskForms {
  orcMax: number;
  seedMin: number;
}

/**
 * The task a command names, in either form. More arguments than orc's form takes is the seed's; fewer
 * than the seed's is orc's; in between (`t complete a b`) the seed's when `a` names a workstream and
 * `b` a task, else orc's. A workstream given must be the task's.
 */
export async function taskArguments(
  ctx: Context,
  given: ReadonlyArray<string | undefined>,
  forms: TaskForms,
): Promise<TaskArguments> {
  const args = given.filter((a): a is string => a !== undefined);
  const [first, second, third] = args as [string, string?, string?];
  if (args.length > forms.orcMax) return seedForm(ctx, first, second!, third);
  if (args.length < forms.seedMin) return { ref: first, rest: second };
  const asTask = await findTask(ctx, first);
  if ('task' in asTask) {
    // The workstream first: looking up a second argument that is no full id lists every task file.
    const both = (await isWorkstream(ctx, first)) && 'task' in (await findTask(ctx, second!));
    return both ? seedForm(ctx, first, second!, third) : { ref: first, rest: second, task: asTask.task };
  }
  if (await isWorkstream(ctx, first)) return seedForm(ctx, first, second!, third);
  throw asTask.error;
}

async function seedForm(ctx: Context, workstream: string, ref: string, rest?: string) {
  const task = await perform(ctx, 'getTask', { id: ref });
  if (task.workstream !== workstream) {
    throw invalidInput(
      `task ${task.id} is in workstream ${quote(task.workstream)}, not ${quote(workstream)}: give its workstream, or the task id alone`,
      { field: 'workstream', workstream: task.workstream },
    );
  }
  return { ref: task.id, rest, task };
}

/** The task `ref` names, or the error saying why none: not found, not an id, or an ambiguous prefix. */
async function findTask(ctx: Context, ref: string): Promise<{ task: Task } | { error: unknown }> {
  try {
    return { task: await perform(ctx, 'getTask', { id: ref }) };
  } catch (error) {
    if (error instanceof OrcError && (error.code === 'NOT_FOUND' || error.code === 'INVALID_INPUT'))
      return { error };
    throw error;
  }
}

async function isWorkstream(ctx: Context, name: string): Promise<boolean> {
  return (await perform(ctx, 'listWorkstreams', {})).some((w) => w.name === name);
}

export type HolderFlags = { agent?: string; token?: string; force?: boolean };

/** Who the caller is when no flag says: $ORC_AGENT, else the agent tool's session (see `orc whoami`). */
export async function sessionAgent(): Promise<{ agent: string | null; reason: string }> {
  const { resolveAgentIdentity } = await subsystems.integrations();
  return resolveAgentIdentity(process.env);
}

/**
 * Who finishes the task when the command names no holder: the caller's identity ($ORC_AGENT, else its
 * agent tool's session), else the claim's holder when that is the only registered agent
 * (inferClaimHolder); else nobody, and the board asks for --agent or --token.
 */
export async function holderFlags(
  ctx: Context,
  args: TaskArguments,
  opts: HolderFlags,
): Promise<HolderFlags> {
  if (opts.agent !== undefined || opts.token !== undefined || opts.force) return opts;
  const { inferClaimHolder } = await subsystems.integrations();
  const { agent: identity } = await sessionAgent();
  if (identity !== null) return { ...opts, agent: identity };
  const task = args.task ?? (await perform(ctx, 'getTask', { id: args.ref }));
  if (task.status !== 'claimed' || !task.claim) return opts;
  const agents = (await perform(ctx, 'listAgents', {})).map((a) => a.id);
  const agent = inferClaimHolder({ identity, holder: task.claim.agent, agents });
  return agent === undefined ? opts : { ...opts, agent };
}
