import { isName } from '../shared/index.js';
import { MAX_PRIORITY, MIN_PRIORITY } from './task-schema.js';
import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

export const WORKSTREAM_STATUSES = ['active', 'archived'] as const;
export type WorkstreamStatus = (typeof WORKSTREAM_STATUSES)[number];

/** A workstream, as stored in `state/workstreams/<name>.json`. */
export interface Workstream {
  v: 1;
  name: string;
  description: string;
  priority: number;
  status: WorkstreamStatus;
  createdAt: string;
  updatedAt: string;
}

/** What a valid workstream is; `validateWorkstream` applies it. */
export const workstreamSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    name: z.string().refine(isName, 'must be a name: letters, digits, . _ - (at most 64)'),
    description: z.string(),
    priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
    status: z.enum(WORKSTREAM_STATUSES),
    createdAt: stamp,
    updatedAt: stamp,
  }) satisfies RecordSchema<Workstream>;
});

/** A workstream read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateWorkstream(value: unknown, file: string): Workstream {
  return validateRecord(workstreamSchema(), value, file, 'workstream');
}
