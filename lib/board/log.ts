import { MAX_SUBJECT, MAX_TEXT, checkLine, invalidInput, quote } from '../shared/index.js';
import type { OrcEvent } from '../storage/index.js';
import { type ActorOptions, mutate } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';

export interface LogEventInput {
  /** A dotted name of your own, e.g. `deploy.finished`. */
  type: string;
  subject?: string;
  data?: Record<string, unknown>;
}

/** Appends a custom event (an agent reporting something) to the log, under the workspace lock. */
export async function logEvent(
  ws: Workspace,
  input: LogEventInput,
  options: ActorOptions = {},
): Promise<OrcEvent> {
  if (
    typeof input.type !== 'string' ||
    !/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/i.test(input.type) ||
    input.type.length > 64
  ) {
    throw invalidInput(`event type ${quote(input.type)} must be a dotted name such as deploy.finished`);
  }
  const subject = input.subject === undefined ? '' : checkLine('event subject', input.subject, MAX_SUBJECT);
  const data = input.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalidInput('event data must be a JSON object');
  }
  // Data may hold any JSON (escaped when printed); only its size is bounded, like other free text.
  const size = JSON.stringify(data).length;
  if (size > MAX_TEXT) {
    throw invalidInput(
      `event data is ${size} characters as JSON: the limit is ${MAX_TEXT.toLocaleString('en-US')}`,
    );
  }
  return mutate(ws, options, (m) => m.emit(input.type, subject, data));
}
