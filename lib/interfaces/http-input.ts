import type { IncomingMessage } from 'node:http';
import { OrcError, invalidInput, quote } from '../shared/index.js';

/** Requests larger than this are refused (413) without being parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** What is read and thrown away past the limit, so the client gets the answer, not a reset. */
const MAX_DRAINED_BYTES = 16 * MAX_BODY_BYTES;

type Kind = 'string' | 'boolean' | 'integer' | 'strings' | 'stringMap';
type ValueOf<K extends Kind> = K extends 'string'
  ? string
  : K extends 'boolean'
    ? boolean
    : K extends 'integer'
      ? number
      : K extends 'strings'
        ? string[]
        : Record<string, string>;

export interface FieldSpec {
  kind: Kind;
  required?: boolean;
}
export type Fields<S extends Record<string, FieldSpec>> = {
  [P in keyof S]: S[P]['required'] extends true ? ValueOf<S[P]['kind']> : ValueOf<S[P]['kind']> | undefined;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function matches(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
  }
}

const KIND_NAMES: Record<Kind, string> = {
  string: 'a string',
  boolean: 'true or false (a JSON boolean)',
  integer: 'a whole number',
  strings: 'an array of strings',
  stringMap: 'an object of strings',
};

/**
 * Checks a JSON body strictly: an object, no unknown field, every field of its exact type (no
 * coercion: `"approved": "false"` is refused, not read as true), the required ones present.
 */
export function checkBody<S extends Record<string, FieldSpec>>(body: unknown, spec: S): Fields<S> {
  const value = body === undefined ? {} : body;
  if (!isPlainObject(value)) throw invalidInput('the request body must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(spec, key))
      throw invalidInput(`unknown field ${quote(key)}; expected: ${Object.keys(spec).join(', ') || 'none'}`);
  }
  for (const [key, field] of Object.entries(spec)) {
    const v = value[key];
    if (v === undefined || v === null) {
      if (field.required) throw invalidInput(`field ${quote(key)} is required`);
      continue;
    }
    if (!matches(field.kind, v)) throw invalidInput(`field ${quote(key)} must be ${KIND_NAMES[field.kind]}`);
  }
  return value as Fields<S>;
}

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

/** Reads and parses a JSON body; an empty body is `undefined`. */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
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
        reject(invalidInput('the request body is not valid JSON'));
      }
    });
  });
}
