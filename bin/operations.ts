import type { Context } from './output.js';
import { warn } from './output.js';
import { open } from './commands/workspace.js';
import { namedByFlags } from './flag-names.js';
import type { OperationContext, OperationName, Operations } from '../lib/cli.js';
import { subsystems } from '../lib/cli.js';

const { operations, runOperation } = await subsystems.operations();

/** How a command names each field of an operation's input that it takes as a flag (`ttl` → `--ttl`). */
export type FlagNames = Readonly<Record<string, string>>;

type Output<N extends OperationName> = Awaited<ReturnType<Operations[N]['run']>>;

export interface PerformOptions {
  /** Flags by field, so that an error about a field names the flag the user typed. */
  flags?: FlagNames;
  /** Overrides of the operation's context (how a run goes on, progress). */
  context?: Partial<OperationContext>;
}

/**
 * Runs a use case for a command: the same operation, with the same input schema, as HTTP and MCP.
 * Only the wording of errors differs: a field the command takes as a flag is named by its flag.
 */
export async function perform<N extends OperationName>(
  ctx: Context,
  name: N,
  input: Record<string, unknown>,
  options: PerformOptions = {},
): Promise<Output<N>> {
  const context: OperationContext = {
    ws: open(ctx),
    actor: ctx.actor,
    invocation: ctx.invocation,
    onWarning: (message) => warn(ctx, message, 'DEGRADED'),
    ...options.context,
  };
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the table's operations differ in input; `name` picks one
    return (await runOperation(operations[name] as any, context, input)) as Output<N>;
  } catch (error) {
    throw options.flags ? namedByFlags(error, options.flags) : error;
  }
}
