import type { ErrorCode } from '../lib/cli.js';
import { subsystems } from '../lib/cli.js';

const { EXIT_CODES, describeError } = await subsystems.shared();

/** Turns any error into one line on stderr (JSON with --json) and an exit code. Never a stack trace. */
export function reportError(error: unknown, json: boolean): number {
  let code: ErrorCode;
  let message: string;
  let details: Record<string, unknown> | undefined;
  if (isCommanderError(error)) {
    // commander has already printed its message for people; agents asked for JSON get it again, parsed
    if (!json) return EXIT_CODES.INVALID_INPUT;
    code = 'INVALID_INPUT';
    message = error.message.replace(/^error: /, '').split('\n')[0]!;
  } else ({ code, message, details } = describeError(error));
  process.stderr.write(
    json
      ? `${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`
      : `orc: ${terminalSafe(message)}\n`,
  );
  return EXIT_CODES[code];
}

function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  return error instanceof Error && error.name === 'CommanderError';
}

/**
 * A message can quote what a file or a model held (a step's error, a path): its control characters
 * other than line breaks are shown as escapes (`\x1b`), never sent raw to the terminal.
 */
function terminalSafe(message: string): string {
  return message.replace(/(?!\n)\p{Cc}/gu, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
