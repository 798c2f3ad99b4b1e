import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

/** What a rule matches: every given matcher must hold. */
export interface PolicyMatch {
  agent?: string;
  domain?: string;
  capability?: string;
  /** Any of these words in the step's task (case-insensitive). */
  keywords?: string[];
  /** A regular expression tested against the step's task (case-insensitive). */
  regex?: string;
}

/** A policy rule, one file per rule in `state/policies/<id>.json`. */
export interface PolicyRule {
  v: 1;
  id: string;
  match: PolicyMatch;
  /** `gate` holds matching steps for approval; `forbid` refuses a plan that gives them to the agent. */
  effect: 'gate' | 'forbid';
  gate: 'before' | 'after' | null;
  reason: string;
  source: 'manual' | 'promotion';
  createdBy: string;
  createdAt: string;
}

const compiles = (pattern: string) => {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
};

/** What a valid policy rule is; `validatePolicy` applies it. */
export const policySchema = lazySchema(
  (z) =>
    z.object({
      v: z.literal(1),
      id: z
        .string()
        .regex(/^p-[0-9a-z]{4,32}$/, 'must be a policy id (p- and 4 to 32 lower-case letters or digits)'),
      match: z.object({
        agent: z.string().optional(),
        domain: z.string().optional(),
        capability: z.string().optional(),
        keywords: z.array(z.string()).optional(),
        regex: z.string().refine(compiles, 'must be a valid regular expression').optional(),
      }),
      effect: z.enum(['gate', 'forbid']),
      gate: z.enum(['before', 'after']).nullable(),
      reason: z.string(),
      source: z.enum(['manual', 'promotion']),
      createdBy: z.string(),
      createdAt: stampOf(z),
    }) satisfies RecordSchema<PolicyRule>,
);

/** A policy rule read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validatePolicy(value: unknown, file: string): PolicyRule {
  return validateRecord(policySchema(), value, file, 'policy rule');
}
