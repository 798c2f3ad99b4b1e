/*
 * Input that is plainly valid, checked without zod: loading zod costs a command ~11 ms of its ~50, and
 * most calls (`t add build "title"`, `a heartbeat a1`) give a few strings. An operation's field
 * builder is run on a stand-in that records each field's type and bounds; a field built with anything
 * else (a record, a union) is not simple. Only a value the recorded type surely accepts passes here;
 * anything else goes to zod, which decides and words the error.
 */

interface Simple {
  kind: 'string' | 'number' | 'boolean' | 'array' | 'enum' | 'other';
  int?: boolean;
  min?: number;
  max?: number;
  items?: Simple;
  values?: readonly unknown[];
}

const SIMPLE = Symbol('simple');
type Recorded = { [SIMPLE]: Simple };

function recorded(simple: Simple): Recorded {
  const chain: Record<string, (arg?: unknown) => Recorded> = {
    optional: () => recorded(simple),
    describe: () => recorded(simple),
    int: () => recorded({ ...simple, int: true }),
    min: (n) => recorded({ ...simple, min: n as number }),
    max: (n) => recorded({ ...simple, max: n as number }),
  };
  return new Proxy({ [SIMPLE]: simple } as Recorded, {
    get: (target, key) =>
      key === SIMPLE ? target[SIMPLE] : (chain[key as string] ?? (() => recorded({ kind: 'other' }))),
  });
}

const recorder = new Proxy(
  {},
  {
    get: (_target, key) => {
      switch (key) {
        case 'string':
        case 'number':
        case 'boolean':
          return () => recorded({ kind: key });
        case 'array':
          return (items: Recorded) =>
            recorded({ kind: 'array', items: items?.[SIMPLE] ?? { kind: 'other' } });
        case 'enum':
          return (values: readonly unknown[]) => recorded({ kind: 'enum', values });
        default:
          return () => recorded({ kind: 'other' });
      }
    },
  },
);

const shapes = new WeakMap<object, Record<string, Simple>>();

/** Each field's recorded type, from an operation's field builder. */
export function simpleShape(fields: (z: never) => Record<string, unknown>): Record<string, Simple> {
  let shape = shapes.get(fields);
  if (!shape) {
    shape = Object.fromEntries(
      Object.entries(fields(recorder as never)).map(([field, built]) => [field, (built as Recorded)[SIMPLE]]),
    );
    shapes.set(fields, shape);
  }
  return shape;
}

const within = (n: number, s: Simple) =>
  (s.min === undefined || n >= s.min) && (s.max === undefined || n <= s.max);

/** Whether `value` is surely valid for the recorded type (false: let zod decide). */
export function surelyValid(s: Simple | undefined, value: unknown): boolean {
  switch (s?.kind) {
    case 'string':
      return typeof value === 'string' && within(value.length, s);
    case 'number':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (!s.int || Number.isInteger(value)) &&
        within(value, s)
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return (
        Array.isArray(value) && within(value.length, s) && value.every((item) => surelyValid(s.items, item))
      );
    case 'enum':
      return s.values!.includes(value);
    default:
      return false;
  }
}
