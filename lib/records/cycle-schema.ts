import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

/** A cycle: a round of planned work; results are collected per cycle. Stored in `state/cycles/`. */
export interface Cycle {
  v: 1;
  id: string;
  startedAt: string;
  startedBy: string;
  /** Task → agent suggestions made when the cycle was planned. */
  assignments: Array<{ task: string; agent: string | null }>;
}

/** What a valid cycle is; `validateCycle` applies it. */
export const cycleSchema = lazySchema(
  (z) =>
    z.object({
      v: z.literal(1),
      id: z
        .string()
        .regex(/^c-[0-9a-z]{4,32}$/, 'must be a cycle id (c- and 4 to 32 lower-case letters or digits)'),
      startedAt: stampOf(z),
      startedBy: z.string(),
      assignments: z.array(z.object({ task: z.string(), agent: z.string().nullable() })),
    }) satisfies RecordSchema<Cycle>,
);

/** A cycle read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateCycle(value: unknown, file: string): Cycle {
  return validateRecord(cycleSchema(), value, file, 'cycle');
}
