import { createHash } from 'node:crypto';
import { readConfigDocument } from '../config/index.js';
import { invalidInput, notFound, quote } from '../shared/index.js';
import { type OrcEvent, readEvents } from '../storage/index.js';
import { type ActorOptions, mutate } from '../storage/index.js';
import { type PolicyRule, listPolicies, retirePolicy, writeNewPolicy } from '../runs/index.js';
import { listRuns } from '../runs/index.js';
import type { Workspace } from '../storage/index.js';

/*
 * Reflection, over what orc already keeps: the event log records every step failure, gate rejection
 * and approval (monitor); failures and rejections are grouped by a pattern key, the agent and the kind
 * of failure (analyse); a pattern seen `threshold` times becomes a pending promotion with its evidence
 * (plan); a person promotes it into a policy rule that gates that agent's steps before they run, or
 * rejects it with a reason (execute). Rules whose gates are nearly always approved are demotion
 * candidates. Every decision is an event.
 */

export interface ReflectionSettings {
  /** Occurrences of a pattern that make it a pending promotion. */
  threshold: number;
  /** Decisions on a rule's gates before it can be a demotion candidate. */
  minDecisions: number;
  /** Approval rate at or above which a rule is a demotion candidate. */
  approvalRate: number;
}

export interface Promotion {
  id: string;
  pattern: string;
  agent: string;
  kind: string;
  count: number;
  /** The events behind it: run/step subjects and what they said. */
  evidence: Array<{ subject: string; ts: string; detail: string }>;
}

export interface DemotionCandidate {
  rule: string;
  approved: number;
  rejected: number;
  rate: number;
}

export interface ReflectionReport {
  settings: ReflectionSettings;
  pending: Promotion[];
  rules: PolicyRule[];
  demotionCandidates: DemotionCandidate[];
}

export function reflectionSettings(ws: Workspace): ReflectionSettings {
  const section = (readConfigDocument(ws).reflection ?? {}) as Record<string, unknown>;
  const num = (key: string, fallback: number) =>
    typeof section[key] === 'number' ? (section[key] as number) : fallback;
  return {
    threshold: num('threshold', 3),
    minDecisions: num('min_decisions', 5),
    approvalRate: num('approval_rate', 0.9),
  };
}

/** The kind of a failure, from its error text: what a pattern groups on besides the agent. */
export function failureKind(error: string): string {
  if (/timed out/i.test(error)) return 'timeout';
  if (/^rejected|^skipped/i.test(error)) return 'rejected';
  if (/provider .* failed/i.test(error)) return 'provider';
  if (/^exit code/i.test(error)) return 'exit';
  return 'error';
}

const promotionId = (pattern: string) =>
  `pr-${createHash('sha256').update(pattern).digest('hex').slice(0, 10)}`;

function decided(events: OrcEvent[]): Set<string> {
  return new Set(
    events
      .filter((e) => e.type === 'reflect.promoted' || e.type === 'reflect.rejected')
      .map((e) => e.subject),
  );
}

/** Patterns past the threshold that no decision has settled yet (pure over the events). */
export function findPromotions(events: OrcEvent[], threshold: number): Promotion[] {
  const settled = decided(events);
  const groups = new Map<string, Promotion>();
  for (const e of events) {
    let agent: string | undefined;
    let kind: string | undefined;
    let detail = '';
    if (e.type === 'run.step_failed') {
      agent = String(e.data.agent ?? '');
      detail = String(e.data.error ?? '');
      kind = failureKind(detail);
    } else if (e.type === 'run.step_rejected') {
      agent = String(e.data.agent ?? '');
      detail = String(e.data.reason ?? '');
      kind = 'rejected';
    }
    if (!agent || !kind) continue;
    const pattern = `agent=${agent} ${kind}`;
    const id = promotionId(pattern);
    if (settled.has(id)) continue;
    const group = groups.get(id) ?? { id, pattern, agent, kind, count: 0, evidence: [] };
    group.count++;
    group.evidence.push({ subject: e.subject, ts: e.ts, detail });
    groups.set(id, group);
  }
  return [...groups.values()]
    .filter((g) => g.count >= threshold)
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
}

/** What `orc reflect` shows: pending promotions, active rules, demotion candidates. */
export function reflect(ws: Workspace): ReflectionReport {
  const settings = reflectionSettings(ws);
  const events = readEvents(ws).events;
  const rules = listPolicies(ws);
  const tally = new Map<string, { approved: number; rejected: number }>();
  for (const run of listRuns(ws)) {
    for (const step of run.steps) {
      const rule = step.gate?.rule;
      if (!rule || !step.decision) continue;
      const t = tally.get(rule) ?? { approved: 0, rejected: 0 };
      t[step.decision.decision]++;
      tally.set(rule, t);
    }
  }
  const demotionCandidates = rules
    .filter((r) => r.effect === 'gate')
    .map((r) => {
      const t = tally.get(r.id) ?? { approved: 0, rejected: 0 };
      const total = t.approved + t.rejected;
      return { rule: r.id, ...t, rate: total === 0 ? 0 : t.approved / total };
    })
    .filter((c) => c.approved + c.rejected >= settings.minDecisions && c.rate >= settings.approvalRate);
  return { settings, pending: findPromotions(events, settings.threshold), rules, demotionCandidates };
}

export interface DecisionInput extends ActorOptions {
  approver: string;
  reason?: string;
}

/** Inside the lock: the promotion as it stands now, so two decisions on it never both pass. */
function pendingPromotion(ws: Workspace, id: string): Promotion {
  const found = reflect(ws).pending.find((p) => p.id === id);
  if (!found) throw notFound(`no pending promotion ${quote(id)}: see orc reflect`);
  return found;
}

const decider = (input: DecisionInput) => ({ actor: input.approver, now: input.now });

/**
 * Turns a pending promotion into a policy rule gating that agent's steps before they run: one
 * mutation, so the rule (`policy.added`) and the decision (`reflect.promoted`) land together or not at all.
 */
export async function promotePattern(ws: Workspace, id: string, input: DecisionInput): Promise<PolicyRule> {
  if (!input.approver?.trim()) throw invalidInput('promoting needs --approver');
  return mutate(ws, decider(input), (m) => {
    const promotion = pendingPromotion(ws, id);
    const rule = writeNewPolicy(m, {
      match: { agent: promotion.agent },
      effect: 'gate',
      gate: 'before',
      reason: input.reason?.trim() || `promoted: ${promotion.pattern} seen ${promotion.count} times`,
      source: 'promotion',
    });
    m.emit('reflect.promoted', promotion.id, {
      pattern: promotion.pattern,
      rule: rule.id,
      count: promotion.count,
      reason: input.reason ?? null,
    });
    return rule;
  });
}

/** Declines a pending promotion; a reason is required, and the pattern is not proposed again. */
export async function rejectPromotion(ws: Workspace, id: string, input: DecisionInput) {
  if (!input.approver?.trim()) throw invalidInput('rejecting needs --approver');
  if (!input.reason?.trim()) throw invalidInput('rejecting a promotion needs a --reason');
  return mutate(ws, decider(input), (m) => {
    const promotion = pendingPromotion(ws, id);
    return m.emit('reflect.rejected', promotion.id, { pattern: promotion.pattern, reason: input.reason });
  });
}

/** Retires a rule with who and why (`reflect.demoted`, then `policy.removed`, in one mutation). */
export async function demoteRule(ws: Workspace, ruleId: string, input: DecisionInput) {
  if (!input.approver?.trim()) throw invalidInput('demoting needs --approver');
  if (!input.reason?.trim()) throw invalidInput('demoting a rule needs a --reason');
  return mutate(ws, decider(input), (m) => {
    const rule = listPolicies(ws).find((r) => r.id === ruleId);
    if (!rule) throw notFound(`policy rule ${quote(ruleId)} not found`);
    m.emit('reflect.demoted', rule.id, { reason: input.reason });
    return retirePolicy(m, rule.id, input.reason);
  });
}
