import { envValue } from './env.js';

/** Stable error codes: agents branch on these, so they never change meaning. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CLAIM_LOST'
  | 'NO_WORKSPACE'
  | 'CORRUPT'
  | 'BUSY'
  | 'UNHEALTHY'
  | 'GIT_FAILED'
  | 'RUN_FAILED'
  | 'PROVIDER_FAILED'
  | 'INTERNAL';

/** Process exit code for each error code; documented in docs/exit-codes.md and pinned by tests. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  INTERNAL: 1,
  INVALID_INPUT: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  NO_WORKSPACE: 5,
  CORRUPT: 6,
  BUSY: 7,
  CLAIM_LOST: 8,
  UNHEALTHY: 9,
  GIT_FAILED: 10,
  PROVIDER_FAILED: 11,
  RUN_FAILED: 12,
};

/** An expected failure with a stable code; its message is one line meant for the user. */
export class OrcError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrcError';
    this.code = code;
    this.details = options?.details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new OrcError('INVALID_INPUT', message, { details });
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new OrcError('NOT_FOUND', message, { details });
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new OrcError('CONFLICT', message, { details });

/** Quotes what a user sent, cut short, so error messages stay on one readable line. */
export function quote(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const oneLine = String(text).replace(/\s+/g, ' ');
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine);
}

/**
 * Any thrown value as a code and one line, for every front end (CLI, HTTP, MCP): an OrcError keeps its
 * code and its structured `details` (the field at fault, the lock holder, the corrupt file); a system error (ENOENT, EACCES…) is INTERNAL naming it; anything else is a bug to report. Never
 * a stack (ORC_DEBUG prints one on stderr).
 */
export function describeError(error: unknown): {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
} {
  let code: ErrorCode = 'INTERNAL';
  let message: string;
  if (error instanceof OrcError) {
    ({ code, message } = error);
    if (error.details !== undefined)
      return { code, message: message.split('\n')[0]!, details: error.details };
  } else if (isSystemError(error)) message = `${error.code}: ${error.message.replace(/^\w+: /, '')}`;
  else {
    message = `internal error, please report it as a bug: ${(error as Error)?.message ?? String(error)}`;
    if (envValue(process.env, 'DEBUG')) process.stderr.write(`${(error as Error)?.stack}\n`);
  }
  return { code, message: message.split('\n')[0]! };
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const code = (error as NodeJS.ErrnoException)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
