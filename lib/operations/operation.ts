import type { z } from 'zod/v3';
import { type ZodV3, fieldProblems, loadZod } from '../records/index.js';
import { OrcError, invalidInput, quote } from '../shared/index.js';
import type { Workspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';
import { simpleShape, surelyValid } from './simple-input.js';

/*
 * One operation per use case: a name, one line for people and agents, the fields of its input as one
 * zod schema, and the function that does it. The CLI, the HTTP API, the MCP server and library callers
 * all reach a use case through `runOperation`, so its input is checked once, the same way, and its
 * errors name the same fields (the CLI maps a field to its flag when it prints).
 *
 * Schemas are written against the API that zod 3 and zod 4 share (object, string, number, boolean,
 * enum, array, record with a key schema, optional, describe) and built by whichever the caller loaded:
 * the v3 API (~11 ms) checks input, zod 4 (~40 ms) only turns the schemas into JSON Schema for MCP's
 * tool list. Each `run` imports its subsystem when called, so loading the table costs no subsystem.
 */

/** The raw shape of an operation's input: field name → schema. */
export type InputShape = z.ZodRawShape;
/** The checked input of an operation with shape S. */
export type InputOf<S extends InputShape> = z.infer<z.ZodObject<S>>;

/** What an operation gets besides its input: the workspace and who is calling, how. */
export interface OperationContext {
  ws: Workspace;
  /** Who to record in events (default: the agent for its own claims, else the user). */
  actor?: string;
  /** How to invoke orc, for commands printed into briefs and hints. */
  invocation?: string;
  /** Warnings that do not fail the call (a provider that fell back to offline search). */
  onWarning?: (message: string) => void;
  /** How a started or decided run goes on (see RunContinuer). */
  continueRun?: RunContinuer;
  /** Progress of long work (indexing the knowledge base) for a front end that shows it. */
  onProgress?: (done: number, total: number, phase: 'index' | 'embed') => void;
  /** The time the call happens at (tests inject it); default now. */
  now?: Date;
}

export interface Operation<S extends InputShape = InputShape, O = unknown> {
  /** The library name of the use case (verbNoun, as the function it wraps). */
  name: string;
  /** One line: what it does (the MCP tool description, the HTTP reference). */
  summary: string;
  /** Reads only: safe to retry, changes nothing stored. */
  readOnly: boolean;
  /** The input's fields, built by the zod API given. */
  fields: (z: ZodV3) => S;
  run: (ctx: OperationContext, input: InputOf<S>) => Promise<O>;
}

/** Declares an operation (an identity function that keeps the input type). */
export const defineOperation = <S extends InputShape, O>(op: Operation<S, O>): Operation<S, O> => op;

const schemas = new WeakMap<Operation, z.AnyZodObject>();

function inputSchema(op: Operation): z.AnyZodObject {
  let schema = schemas.get(op);
  if (!schema) {
    schema = loadZod().object(op.fields(loadZod())).strict();
    schemas.set(op, schema);
  }
  return schema;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks raw input (a parsed JSON body, MCP arguments, what the CLI gathered from its flags) against an
 * operation's schema: an object, no unknown field, each field of its type. A field given as null or
 * undefined counts as not given (JSON clients send null for "none"). Every problem is collected into
 * one INVALID_INPUT, whose `details.field` is the first field named and `details.problems` all of them.
 */
export function parseInput<S extends InputShape>(op: Operation<S, unknown>, raw: unknown): InputOf<S> {
  const value = raw === undefined || raw === null ? {} : raw;
  if (!isPlainObject(value)) throw invalidInput('the input must be an object of fields');
  const given: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== null) given[key] = v;
  // Nothing given to an operation that requires nothing (`status`, `t list`, `a list`): valid without
  // loading zod, which would cost these read commands ~11 ms of their ~50.
  if (Object.keys(given).length === 0 && requiredFields(op as Operation).length === 0)
    return given as InputOf<S>;
  // Plainly valid input (known fields of the types they want, every required one given): no zod.
  const simple = simpleShape(op.fields as (z: never) => Record<string, unknown>);
  if (
    Object.entries(given).every(
      ([field, v]) => Object.hasOwn(simple, field) && surelyValid(simple[field], v),
    ) &&
    requiredFields(op as Operation).every((field) => field in given)
  )
    return given as InputOf<S>;
  const known = Object.keys(inputSchema(op as Operation).shape);
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw invalidInput(`unknown field ${quote(unknown[0])}; expected: ${known.join(', ') || 'none'}`, {
      field: unknown[0],
      expected: known,
    });
  }
  const problems = fieldProblems(inputSchema(op as Operation), given);
  if (problems.length > 0) {
    const text = problems.map((p) => (p.field === '' ? p.message : `${p.field} ${p.message}`)).join('; ');
    throw invalidInput(text, { field: problems[0]!.field, problems });
  }
  return given as InputOf<S>;
}

type FieldKind = 'number' | 'boolean' | 'string' | 'other';
const kindsCache = new WeakMap<Operation, Record<string, FieldKind>>();

/**
 * Each field's JSON type as its schema says: for input that arrives as text (a URL's query), so that
 * `k=3` can be the number its field wants.
 */
export function fieldKinds(op: Operation): Record<string, FieldKind> {
  const cached = kindsCache.get(op);
  if (cached) return cached;
  const kinds: Record<string, FieldKind> = {};
  for (const [field, schema] of Object.entries(inputSchema(op).shape as Record<string, z.ZodTypeAny>)) {
    let inner: z.ZodTypeAny = schema;
    while (inner instanceof loadZod().ZodOptional) inner = inner.unwrap();
    const z3 = loadZod();
    kinds[field] =
      inner instanceof z3.ZodNumber
        ? 'number'
        : inner instanceof z3.ZodBoolean
          ? 'boolean'
          : inner instanceof z3.ZodString
            ? 'string'
            : 'other';
  }
  kindsCache.set(op, kinds);
  return kinds;
}

/**
 * Input with some fields renamed: the aliases another tool uses for ours (the seed's `run_id` for
 * `run`). An alias given together with its field is refused, not guessed between.
 */
export function renameFields(
  given: Record<string, unknown>,
  aliases: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out = { ...given };
  for (const [alias, field] of Object.entries(aliases)) {
    if (out[alias] === undefined) continue;
    if (out[field] !== undefined)
      throw invalidInput(`${alias} and ${field} are the same field: give one`, { field });
    out[field] = out[alias];
    delete out[alias];
  }
  return out;
}

const requiredCache = new WeakMap<Operation, string[]>();

/**
 * The fields an operation's schema requires, read from its builder without zod: the builder is run on
 * a stand-in whose every call returns itself, except `.optional()`, which marks the field optional.
 */
export function requiredFields(op: Operation): string[] {
  let required = requiredCache.get(op);
  if (!required) {
    const optional: unknown = new Proxy(() => optional, { get: () => () => optional, apply: () => optional });
    const plain: unknown = new Proxy(() => plain, {
      get: (_target, key) => (key === 'optional' ? () => optional : () => plain),
      apply: () => plain,
    });
    const shape = (op.fields as (z: unknown) => Record<string, unknown>)(plain);
    required = Object.keys(shape).filter((field) => shape[field] !== optional);
    requiredCache.set(op, required);
  }
  return required;
}

/** Runs an operation on raw input: checks it, then does the use case. */
export async function runOperation<S extends InputShape, O>(
  op: Operation<S, O>,
  ctx: OperationContext,
  raw: unknown,
): Promise<O> {
  return op.run(ctx, parseInput(op, raw));
}

/** An INVALID_INPUT naming the field it is about (so the CLI can say which flag). */
export const fieldError = (field: string, message: string) => invalidInput(`${field} ${message}`, { field });

/** A duration field (`"30m"`, `"2h"`) in milliseconds, within its bounds; undefined when not given. */
export async function durationField(field: string, value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { parseDuration } = await import('../shared/index.js');
  try {
    return parseDuration(value, field);
  } catch (error) {
    if (error instanceof OrcError) throw new OrcError(error.code, error.message, { details: { field } });
    throw error;
  }
}
