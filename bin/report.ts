import { EXIT_CODES, OrcError } from '../lib/errors.js';

/** Turns any error into one line on stderr (JSON with --json) and an exit code. Never a stack trace. */
export function reportError(error: unknown, json: boolean): number {
  let code: string;
  let message: string;
  let exit: number;
  if (error instanceof OrcError) {
    ({ code, message } = error);
    exit = error.exitCode;
  } else if (isCommanderError(error)) {
    // commander has already printed its message for people; agents asked for JSON get it again, parsed
    if (!json) return EXIT_CODES.INVALID_INPUT;
    code = 'INVALID_INPUT';
    message = error.message.replace(/^error: /, '');
    exit = EXIT_CODES.INVALID_INPUT;
  } else if (isSystemError(error)) {
    code = 'INTERNAL';
    message = `${error.code}: ${error.message.replace(/^\w+: /, '')}`;
    exit = EXIT_CODES.INTERNAL;
  } else {
    code = 'INTERNAL';
    message = `internal error, please report it as a bug: ${(error as Error)?.message ?? String(error)}`;
    exit = EXIT_CODES.INTERNAL;
    if (process.env.ORC_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
  }
  const line = message.split('\n')[0];
  process.stderr.write(json ? `${JSON.stringify({ error: { code, message: line } })}\n` : `orc: ${line}\n`);
  return exit;
}

function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  return error instanceof Error && error.name === 'CommanderError';
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!)
  );
}
