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
 * rejects it with a reason (execute). While its rule stands, a pattern is not counted; once the rule is
 * demoted (or removed), the pattern starts again from nothing and is proposed again if it recurs
 * `threshold` times. A rule no longer earns its gate when, over the last `windowDays` days, its gates
 * were decided at least `minDecisions` times and approved at least `approvalRate` of them: it is a
 * demotion candidate. Every decision is an event.
 */

export interface ReflectionSettings {
  /** Occurrences of a pattern that make it a pending promotion. */
  threshold: number;
  /** Decisions on a rule's gates, within the window, before it can be a demotion candidate. */
  minDecisions: number;
  /** Approval rate, within the window, at or above which a rule is a demotion candidate. */
  approvalRate: number;
  /** How many days back a rule's gate decisions count: what it earned before no longer does. */
  windowDays: number;
}

export interface Promotion {
  id: string;
  pattern: string;
  agent: string;
  kind: string;
  count: number;
  /** The events behind it: run/step subjects and what they said. */
  evidence: Array<{ subject: string; ts: string; detail: string }>;
  /** When the pattern recurred after its rule was demoted: that rule. */
  demotedRule?: string;
}

export interface DemotionCandidate {
  rule: string;
  approved: number;
  rejected: number;
  rate: number;
  /** The start of the window the decisions were counted in. */
  since: string;
}

export interface ReflectionReport {
  settings: ReflectionSettings;
  pending: Promotion[];
  rules: PolicyRule[];
  demotionCandidates: DemotionCandidate[];
}

/** The defaults of `reflection:` in orchestrator.yaml. */
export const DEFAULT_REFLECTION: ReflectionSettings = {
  threshold: 3,
  minDecisions: 5,
  approvalRate: 0.9,
  windowDays: 30,
};

export function reflectionSettings(ws: Workspace): ReflectionSettings {
  const section = (readConfigDocument(ws).reflection ?? {}) as Record<string, unknown>;
  const num = (key: string, fallback: number) =>
    typeof section[key] === 'number' ? (section[key] as number) : fallback;
  return {
    threshold: num('threshold', DEFAULT_REFLECTION.threshold),
    minDecisions: num('min_decisions', DEFAULT_REFLECTION.minDecisions),
    approvalRate: num('approval_rate', DEFAULT_REFLECTION.approvalRate),
    windowDays: num('window_days', DEFAULT_REFLECTION.windowDays),
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

/** The pattern an event is an occurrence of, with what it said; undefined for other events. */
function occurrenceOf(e: OrcEvent): { agent: string; kind: string; detail: string } | undefined {
  if (e.type === 'run.step_failed') {
    const detail = String(e.data.error ?? '');
    const agent = String(e.data.agent ?? '');
    return agent ? { agent, kind: failureKind(detail), detail } : undefined;
  }
  if (e.type === 'run.step_rejected') {
    const agent = String(e.data.agent ?? '');
    return agent ? { agent, kind: 'rejected', detail: String(e.data.reason ?? '') } : undefined;
  }
  return undefined;
}

/**
 * Patterns past the threshold that no decision has settled (pure over the events, in log order). A
 * rejected pattern is settled for good; a promoted one until its rule is demoted or removed, after
 * which only its new occurrences count.
 */
export function findPromotions(events: readonly OrcEvent[], threshold: number): Promotion[] {
  const rejected = new Set<string>();
  const ruleOf = new Map<string, string>(); // promotion id → the rule standing for it
  const patternOf = new Map<string, string>(); // rule id → the promotion it came from
  const demoted = new Map<string, string>(); // promotion id → the rule demoted last
  const groups = new Map<string, Promotion>();
  for (const e of events) {
    if (e.type === 'reflect.rejected') rejected.add(e.subject);
    else if (e.type === 'reflect.promoted') {
      const rule = String(e.data.rule ?? '');
      ruleOf.set(e.subject, rule);
      patternOf.set(rule, e.subject);
      groups.delete(e.subject);
    } else if (e.type === 'reflect.demoted' || e.type === 'policy.removed') {
      const id = patternOf.get(e.subject);
      if (id !== undefined && ruleOf.get(id) === e.subject) {
        ruleOf.delete(id);
        demoted.set(id, e.subject);
        groups.delete(id);
      }
    }
    const occurrence = occurrenceOf(e);
    if (!occurrence) continue;
    const pattern = `agent=${occurrence.agent} ${occurrence.kind}`;
    const id = promotionId(pattern);
    if (rejected.has(id) || ruleOf.has(id)) continue;
    const group = groups.get(id) ?? {
      id,
      pattern,
      agent: occurrence.agent,
      kind: occurrence.kind,
      count: 0,
      evidence: [],
      ...(demoted.has(id) ? { demotedRule: demoted.get(id)! } : {}),
    };
    group.count++;
    group.evidence.push({ subject: e.subject, ts: e.ts, detail: occurrence.detail });
    groups.set(id, group);
  }
  return [...groups.values()]
    .filter((g) => g.count >= threshold && !rejected.has(g.id))
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
}

/** A decision on a gate that a policy rule put on a step. */
export interface RuleDecision {
  rule: string;
  decision: 'approved' | 'rejected';
  at: string;
}

/**
 * The decisions on rules' gates (pure): from the events, which name the rule since gates are kept
 * whole; an older event without one is matched to its step's gate in `runs` (`run/step` → rule).
 */
export function gateDecisions(
  events: readonly OrcEvent[],
  gateRules: ReadonlyMap<string, string> = new Map(),
): RuleDecision[] {
  const out: RuleDecision[] = [];
  for (const e of events) {
    if (e.type !== 'run.step_approved' && e.type !== 'run.step_rejected') continue;
    const rule =
      typeof e.data.rule === 'string' ? e.data.rule : e.data.when ? undefined : gateRules.get(e.subject);
    if (rule)
      out.push({ rule, decision: e.type === 'run.step_approved' ? 'approved' : 'rejected', at: e.ts });
  }
  return out;
}

/**
 * Gate rules that no longer earn their gate (pure, at `now`): decided at least `minDecisions` times in
 * the last `windowDays` days and approved at least `approvalRate` of those times. Decisions before the
 * window do not count, so a rule that caught problems once but is now always waved through is one.
 */
export function findDemotionCandidates(
  rules: readonly PolicyRule[],
  decisions: readonly RuleDecision[],
  settings: ReflectionSettings,
  now: Date,
): DemotionCandidate[] {
  const since = new Date(now.getTime() - settings.windowDays * 86_400_000).toISOString();
  const until = now.toISOString();
  return rules
    .filter((r) => r.effect === 'gate')
    .map((r) => {
      const recent = decisions.filter((d) => d.rule === r.id && d.at >= since && d.at <= until);
      const approved = recent.filter((d) => d.decision === 'approved').length;
      const rejected = recent.length - approved;
      return {
        rule: r.id,
        approved,
        rejected,
        rate: recent.length === 0 ? 0 : approved / recent.length,
        since,
      };
    })
    .filter((c) => c.approved + c.rejected >= settings.minDecisions && c.rate >= settings.approvalRate);
}

/** What `orc reflect` shows at `now` (default: the clock): pending promotions, active rules, demotion candidates. */
export function reflect(ws: Workspace, options: { now?: Date } = {}): ReflectionReport {
  const settings = reflectionSettings(ws);
  const events = readEvents(ws).events;
  const rules = listPolicies(ws);
  const gateRules = new Map<string, string>();
  for (const run of listRuns(ws))
    for (const step of run.steps) if (step.gate?.rule) gateRules.set(`${run.id}/${step.id}`, step.gate.rule);
  const decisions = gateDecisions(events, gateRules);
  return {
    settings,
    pending: findPromotions(events, settings.threshold),
    rules,
    demotionCandidates: findDemotionCandidates(rules, decisions, settings, options.now ?? new Date()),
  };
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
  if (!input.approver?.trim()) throw invalidInput('approver must name who promotes', { field: 'approver' });
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
  if (!input.approver?.trim()) throw invalidInput('approver must name who rejects', { field: 'approver' });
  if (!input.reason?.trim())
    throw invalidInput('reason must say why: a rejection needs a reason', { field: 'reason' });
  return mutate(ws, decider(input), (m) => {
    const promotion = pendingPromotion(ws, id);
    return m.emit('reflect.rejected', promotion.id, { pattern: promotion.pattern, reason: input.reason });
  });
}

/** Retires a rule with who and why (`reflect.demoted`, then `policy.removed`, in one mutation). */
export async function demoteRule(ws: Workspace, ruleId: string, input: DecisionInput) {
  if (!input.approver?.trim()) throw invalidInput('approver must name who demotes', { field: 'approver' });
  if (!input.reason?.trim())
    throw invalidInput('reason must say why the rule is retired', { field: 'reason' });
  return mutate(ws, decider(input), (m) => {
    const rule = listPolicies(ws).find((r) => r.id === ruleId);
    if (!rule) throw notFound(`policy rule ${quote(ruleId)} not found`);
    m.emit('reflect.demoted', rule.id, { reason: input.reason });
    return retirePolicy(m, rule.id, input.reason);
  });
}
