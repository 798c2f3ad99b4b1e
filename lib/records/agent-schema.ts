import { isName } from '../shared/index.js';
import { type RecordSchema, lazySchema, stampOf, validateRecord } from './validate.js';

/** A registered agent, as stored in `state/agents/<id>.json`. */
export interface Agent {
  v: 1;
  id: string;
  role: string;
  capabilities: string[];
  registeredAt: string;
  lastSeen: string;
}

/** What a valid agent is; `validateAgent` applies it. */
export const agentSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    id: z.string().refine(isName, 'must be a name: letters, digits, . _ - (at most 64)'),
    role: z.string(),
    capabilities: z.array(z.string()),
    registeredAt: stamp,
    lastSeen: stamp,
  }) satisfies RecordSchema<Agent>;
});

/** An agent read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateAgent(value: unknown, file: string): Agent {
  return validateRecord(agentSchema(), value, file, 'agent');
}
