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

/** Process exit code for each error code; documented in the README and pinned by tests. */
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
