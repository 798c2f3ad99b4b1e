import type { Context } from './output.js';
import { warn } from './output.js';
import { open } from './commands/workspace.js';
import type { OperationContext, OperationName, Operations } from '../lib/cli.js';
import { subsystems } from '../lib/cli.js';

const { operations, runOperation } = await subsystems.operations();
const { OrcError } = await subsystems.shared();

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
    throw options.flags ? inFlagTerms(error, options.flags) : error;
  }
}

/** The error with the fields it names said as the command's flags (`ttl "x" …` → `--ttl "x" …`). */
function inFlagTerms(error: unknown, flags: FlagNames): unknown {
  if (!(error instanceof OrcError) || typeof error.details?.field !== 'string') return error;
  const problems = error.details.problems as Array<{ field: string; message: string }> | undefined;
  const flag = (field: string) => flags[field] ?? field;
  let message: string;
  if (problems)
    message = problems.map((p) => (p.field ? `${flag(p.field)} ${p.message}` : p.message)).join('; ');
  else {
    const field = error.details.field;
    if (!error.message.startsWith(`${field} `) || !flags[field]) return error;
    message = `${flags[field]}${error.message.slice(field.length)}`;
  }
  return new OrcError(error.code, message, { details: error.details, cause: error });
}
