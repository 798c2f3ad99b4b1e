import { join } from 'node:path';
import { invalidInput, notFound, quote } from '../shared/index.js';
import { newId } from '../shared/index.js';
import { listRecords } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import type { AgentConfig } from '../config/index.js';
import type { PolicyMatch, PolicyRule } from '../records/index.js';
import type { Workspace } from '../storage/index.js';

export type { PolicyMatch, PolicyRule } from '../records/index.js';

export interface AddPolicyInput {
  match: PolicyMatch;
  effect?: 'gate' | 'forbid';
  gate?: 'before' | 'after';
  reason: string;
  source?: 'manual' | 'promotion';
}

function checkMatch(match: PolicyMatch): PolicyMatch {
  const clean: PolicyMatch = {};
  for (const key of ['agent', 'domain', 'capability'] as const) {
    const value = match[key];
    if (value !== undefined && value !== '') clean[key] = String(value);
  }
  const keywords = (match.keywords ?? []).map((k) => String(k).trim().toLowerCase()).filter(Boolean);
  if (keywords.length > 0) clean.keywords = keywords;
  if (match.regex !== undefined && match.regex !== '') {
    try {
      new RegExp(match.regex, 'i');
    } catch {
      throw invalidInput(`regex ${quote(match.regex)} is not a valid regular expression`, { field: 'regex' });
    }
    clean.regex = match.regex;
  }
  if (Object.keys(clean).length === 0) {
    throw invalidInput(
      'a policy rule needs at least one matcher: --agent, --domain, --capability, --keyword or --regex',
    );
  }
  return clean;
}

/** Adds a rule (`policy.added`). */
export async function addPolicy(
  ws: Workspace,
  input: AddPolicyInput,
  options: ActorOptions = {},
): Promise<PolicyRule> {
  return mutate(ws, options, (m) => writeNewPolicy(m, input));
}

/** Inside a mutation: checks a new rule and writes it (`policy.added`), created by the mutation's actor. */
export function writeNewPolicy(m: Mutation, input: AddPolicyInput): PolicyRule {
  const match = checkMatch(input.match);
  const effect = input.effect ?? 'gate';
  if (effect !== 'gate' && effect !== 'forbid')
    throw invalidInput(`effect ${quote(effect)} must be gate or forbid`);
  if (input.gate !== undefined && input.gate !== 'before' && input.gate !== 'after') {
    throw invalidInput(`gate ${quote(input.gate)} must be before or after`, { field: 'gate' });
  }
  if (typeof input.reason !== 'string' || input.reason.trim() === '')
    throw invalidInput('reason must say why the rule exists', { field: 'reason' });
  const rule: PolicyRule = {
    v: 1,
    id: newId('p'),
    match,
    effect,
    gate: effect === 'gate' ? (input.gate ?? 'after') : null,
    reason: input.reason.trim(),
    source: input.source ?? 'manual',
    createdBy: m.actor,
    createdAt: m.nowIso,
  };
  m.writeJson(join(m.ws.policiesDir, `${rule.id}.json`), rule);
  m.emit('policy.added', rule.id, { match, effect, gate: rule.gate, reason: rule.reason });
  return rule;
}

export function listPolicies(ws: Workspace): PolicyRule[] {
  return listRecords(ws, 'policy').sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0,
  );
}

export function getPolicy(ws: Workspace, id: string): PolicyRule {
  const rule = listPolicies(ws).find((r) => r.id === id || (id.length >= 3 && r.id.startsWith(id)));
  if (!rule) throw notFound(`policy rule ${quote(id)} not found`);
  return rule;
}

/** Retires a rule (`policy.removed`, with who and why); the rule is looked up under the lock. */
export async function removePolicy(
  ws: Workspace,
  id: string,
  options: ActorOptions & { reason?: string } = {},
) {
  return mutate(ws, options, (m) => retirePolicy(m, id, options.reason));
}

/** Inside a mutation: removes a rule by id or unique prefix (`policy.removed`); NOT_FOUND when it is gone. */
export function retirePolicy(m: Mutation, id: string, reason: string | undefined): PolicyRule {
  const rule = getPolicy(m.ws, id);
  m.remove(join(m.ws.policiesDir, `${rule.id}.json`));
  m.emit('policy.removed', rule.id, { reason: reason ?? null });
  return rule;
}

/** The rules that apply to a step given to `agent` (pure). */
export function matchingPolicies(
  rules: readonly PolicyRule[],
  step: { agent: string; task: string },
  agent: AgentConfig | undefined,
): PolicyRule[] {
  const text = step.task.toLowerCase();
  const words = new Set(text.split(/[^a-z0-9]+/));
  return rules.filter(({ match }) => {
    if (match.agent !== undefined && match.agent !== step.agent) return false;
    if (match.domain !== undefined && agent?.domain !== match.domain) return false;
    if (match.capability !== undefined && !agent?.capabilities.includes(match.capability)) return false;
    if (match.keywords && !match.keywords.some((k) => words.has(k) || (k.includes(' ') && text.includes(k))))
      return false;
    if (match.regex !== undefined && !new RegExp(match.regex, 'i').test(step.task)) return false;
    return true;
  });
}

/** Every step of a plan that a forbid rule takes away from its agent, as one problem each. */
export function forbiddenAssignments(
  rules: readonly PolicyRule[],
  steps: ReadonlyArray<{ id: string; agent: string; task: string }>,
  agents: readonly AgentConfig[],
): string[] {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const problems: string[] = [];
  for (const step of steps) {
    const forbid = matchingPolicies(rules, step, byId.get(step.agent)).find((r) => r.effect === 'forbid');
    if (forbid)
      problems.push(`policy ${forbid.id} forbids agent ${step.agent} for step ${step.id}: ${forbid.reason}`);
  }
  return problems;
}
