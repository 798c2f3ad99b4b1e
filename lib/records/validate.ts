import { createRequire } from 'node:module';
import type { ErrorMapCtx, ZodIssueOptionalMessage, ZodType, ZodTypeDef, z } from 'zod/v3';
import { OrcError, quote } from '../shared/index.js';

/*
 * One zod schema per record kind validates every record read from disk or from a merge, and names
 * every problem by its field path (`claim.expiresAt: must be a timestamp`).
 *
 * zod is loaded on the first validation, never at start-up: agents run the CLI hundreds of times a
 * session, and `require('zod/v3')` costs ~11 ms (zod 4's own API, `require('zod')`, ~40 ms) against
 * ~45 ms for a bare `node -e 0`. The v3 API ships inside the zod 4 package orc already depends on.
 */

/** zod's v3 API, as the schema builders receive it. */
export type ZodV3 = typeof z;

/** A schema of a record of type T: it accepts any JSON value and says what is wrong with it. */
export type RecordSchema<T> = ZodType<T, ZodTypeDef, unknown>;

let api: ZodV3 | undefined;

/** zod's v3 API, loaded on first use (~11 ms): for schemas built outside this folder (operation inputs). */
export function loadZod(): ZodV3 {
  api ??= (createRequire(import.meta.url)('zod/v3') as { z: ZodV3 }).z;
  return api;
}

/** A schema built once, on its first use (which loads zod). */
export function lazySchema<T>(build: (z: ZodV3) => RecordSchema<T>): () => RecordSchema<T> {
  let schema: RecordSchema<T> | undefined;
  return () => {
    schema ??= build(loadZod());
    return schema;
  };
}

/**
 * An ISO 8601 timestamp, as orc writes them (`toISOString`; other offsets are accepted too). A string
 * check rather than a refinement: zod's refinements cost several times more, which a rebuild of the
 * task cache pays 10,000 times.
 */
export const stampOf = (z: ZodV3) => z.string().datetime({ offset: true, message: 'must be a timestamp' });

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value, 30)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a whole number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** Problems in orc's words: what the field must be, and what it holds instead. */
export function problemMessage(issue: ZodIssueOptionalMessage, ctx: ErrorMapCtx): { message: string } {
  const got = `not ${describe(ctx.data)}`;
  switch (issue.code) {
    case 'invalid_type':
      return { message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, ${got}` };
    case 'invalid_literal':
      return { message: `must be ${JSON.stringify(issue.expected)}, ${got}` };
    case 'invalid_enum_value':
      return { message: `must be one of ${issue.options.join(', ')}, ${got}` };
    case 'too_small':
      return {
        message:
          issue.type === 'array'
            ? `must hold at least ${issue.minimum} item(s)`
            : `must be at least ${issue.minimum}, ${got}`,
      };
    case 'too_big':
      return {
        message:
          issue.type === 'array'
            ? `must hold at most ${issue.maximum} item(s)`
            : `must be at most ${issue.maximum}, ${got}`,
      };
    default:
      return { message: issue.message ?? ctx.defaultError };
  }
}

/** `claim.expiresAt`, `steps[2].status`; empty for the record itself. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

function valueAt(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let at = value;
  for (const part of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string | number, unknown>)[part];
  }
  return at;
}

/** One problem of a value: the field's path (empty for the value itself) and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Every problem of `value` against `schema`, by field; empty when valid. */
export function fieldProblems(schema: RecordSchema<unknown>, value: unknown): FieldProblem[] {
  const result = schema.safeParse(value, { errorMap: problemMessage });
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    // Refinements carry their own message ("must be a timestamp"), which zod never maps; a field that
    // is not there at all is better named as missing.
    const field = fieldPath(issue.path);
    const missing = field !== '' && valueAt(value, issue.path) === undefined;
    return { field, message: missing ? 'is missing' : issue.message };
  });
}

/** Every problem of `value` against `schema`, each as `field.path: what is wrong`; empty when valid. */
export function recordProblems(schema: RecordSchema<unknown>, value: unknown): string[] {
  return fieldProblems(schema, value).map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`));
}

/** The CORRUPT error for a record that fails its schema: names the file and every problem. */
export function invalidRecord(file: string, noun: string, problems: readonly string[]): OrcError {
  return new OrcError('CORRUPT', `${file} is not a valid ${noun}: ${problems.join('; ')}`, {
    details: { file, problems: [...problems] },
  });
}

/**
 * Validates a record read from `file` (workspace-relative, for the message) and returns it as read,
 * not zod's copy of it: a copy per record would cost time at 10,000 tasks for nothing.
 */
export function validateRecord<T>(schema: RecordSchema<T>, value: unknown, file: string, noun: string): T {
  const problems = recordProblems(schema, value);
  if (problems.length > 0) throw invalidRecord(file, noun, problems);
  return value as T;
}

/*
 * Plain checks: a record as orc writes it, recognised without zod, so that a command reading a few
 * records (t show, a brief, status) does not load zod (~11 ms) and compile its schemas (~15 ms more on
 * the first parse). Each is stricter than its schema (timestamps only in toISOString's form, no unknown
 * keys' leniency needed since zod's objects ignore them anyway): what passes is valid; what does not is
 * handed to the schema, which accepts it or names its problems.
 */

/** A plain object (what zod's z.object takes). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const STAMP_SHAPE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const digits = (s: string, at: number, n: number) => {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
};
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A timestamp exactly as `toISOString` writes it (YYYY-MM-DDTHH:MM:SS.sssZ, a real date and time):
 * checked by hand, as zod's own pattern does (leap years included).
 */
export function isIsoStamp(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24 || !STAMP_SHAPE.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!)) return false;
  return digits(value, 11, 2) < 24 && digits(value, 14, 2) < 60 && digits(value, 17, 2) < 60;
}

/** A whole number in [min, max]. */
export const isWholeIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** A string of at most `max` characters that `pattern` accepts. */
export const isStringOf = (value: unknown, max: number, pattern: RegExp): value is string =>
  typeof value === 'string' && value.length <= max && pattern.test(value);

/** A list (without holes) each of whose items `check` accepts. */
export function isListOf(value: unknown, check: (item: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!(i in value) || !check(value[i])) return false;
  return true;
}
