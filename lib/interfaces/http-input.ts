import type { IncomingMessage } from 'node:http';
import { OrcError, invalidInput, quote } from '../shared/index.js';

/** Requests larger than this are refused (413) without being parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** What is read and thrown away past the limit, so the client gets the answer, not a reset. */
const MAX_DRAINED_BYTES = 16 * MAX_BODY_BYTES;

export interface QuerySpec {
  [name: string]: 'string' | 'integer';
}

/** Query parameters, as strictly: no unknown or repeated parameter; integers are whole numbers. */
export function checkQuery(params: URLSearchParams, spec: QuerySpec): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of new Set(params.keys())) {
    const kind = spec[key];
    if (kind === undefined)
      throw invalidInput(
        `unknown query parameter ${quote(key)}; expected: ${Object.keys(spec).join(', ') || 'none'}`,
      );
    const values = params.getAll(key);
    if (values.length > 1) throw invalidInput(`query parameter ${quote(key)} is given more than once`);
    const text = values[0]!;
    if (kind === 'integer') {
      if (!/^\d{1,9}$/.test(text)) throw invalidInput(`query parameter ${quote(key)} must be a whole number`);
      out[key] = Number(text);
    } else out[key] = text;
  }
  return out;
}

/** A path segment, decoded; malformed escapes are the caller's fault. */
export function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidInput(`malformed path segment ${quote(raw)}`);
  }
}

/** Thrown for a body over MAX_BODY_BYTES; answered with 413. */
export class BodyTooLarge extends OrcError {
  constructor() {
    super('INVALID_INPUT', `the request body is over ${MAX_BODY_BYTES} bytes`);
  }
}

/** Thrown for a body that says it is not JSON (a form, plain text); answered with 415. */
export class BodyNotJson extends OrcError {
  constructor(type: string) {
    super('INVALID_INPUT', `the request body is ${quote(type)}: send JSON (content-type: application/json)`);
  }
}

/**
 * Reads and parses a JSON body; an empty body is `undefined`. The body is read as JSON whatever its
 * content-type says (`curl -d '{…}'` labels JSON as a form); a form that is not JSON is 415.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const form = type === 'application/x-www-form-urlencoded' || type.startsWith('multipart/');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (size > MAX_DRAINED_BYTES) req.destroy();
      else if (!tooLarge) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(invalidInput('the request body was cut short'));
    });
    req.on('end', () => {
      if (tooLarge) return reject(new BodyTooLarge());
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(form ? new BodyNotJson(type) : invalidInput('the request body is not valid JSON'));
      }
    });
  });
}
