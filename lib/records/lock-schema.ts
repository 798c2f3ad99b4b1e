import { isName } from '../shared/index.js';
import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

/** A held resource lock, as stored in `state/locks/<slug>-<hash>.json`. */
export interface Lock {
  v: 1;
  resource: string;
  owner: string;
  /** How many times the owner acquired it without releasing (locks are re-entrant). */
  count: number;
  acquiredAt: string;
  expiresAt: string;
}

/** What a valid lock is; `validateLock` applies it. */
export const lockSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    resource: z.string().min(1),
    owner: z.string().refine(isName, 'must be a name: letters, digits, . _ - (at most 64)'),
    count: z.number().int().min(1),
    acquiredAt: stamp,
    expiresAt: stamp,
  }) satisfies RecordSchema<Lock>;
});

/** A lock read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateLock(value: unknown, file: string): Lock {
  return validateRecord(lockSchema(), value, file, 'lock');
}
