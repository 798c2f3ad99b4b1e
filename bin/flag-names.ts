import type { Command } from 'commander';

/*
 * The library's errors name the fields of an input (`ttl`, `reason`); a person at a terminal typed
 * flags. Before an error is printed, the field it names is said as the flag the command takes for it.
 * Duck-typed on OrcError, so that loading this costs nothing before a command fails.
 */

/** Flags by field: every option of the command, by the attribute name commander gives it. */
export function flagsOf(command: Command): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const option of command.options) {
    const flag = option.long ?? option.short;
    if (flag) flags[option.attributeName()] = flag;
  }
  return flags;
}

/** The error with the field(s) it names said as flags (`ttl "x" …` → `--ttl "x" …`); others as they are. */
export function namedByFlags(error: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof Error) || error.name !== 'OrcError') return error;
  const details = (error as { details?: Record<string, unknown> }).details;
  const field = details?.field;
  if (typeof field !== 'string') return error;
  const problems = details!.problems as Array<{ field: string; message: string }> | undefined;
  if (problems) {
    if (!problems.some((p) => flags[p.field])) return error;
    error.message = problems
      .map((p) => (p.field ? `${flags[p.field] ?? p.field} ${p.message}` : p.message))
      .join('; ');
  } else if (flags[field] && error.message.startsWith(`${field} `)) {
    error.message = `${flags[field]}${error.message.slice(field.length)}`;
  }
  return error;
}
