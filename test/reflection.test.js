import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_REFLECTION,
  findDemotionCandidates,
  findPromotions,
  gateDecisions,
} from '../dist/lib/memory/reflection.js';
import { orc, orcJson, readEventsFile, rejects, snapshot, tempWorkspace } from './helpers.js';
import { runWorkspace, stepStatus, waitForRun } from './run-helpers.js';

const failed = (agent, error, i) => ({
  id: `e-${i}`,
  ts: `2026-01-01T00:00:0${i}Z`,
  actor: 'r',
  type: 'run.step_failed',
  subject: `r-x/s${i}`,
  data: { agent, error },
});

test('findPromotions groups failures by agent and kind and proposes those past the threshold', () => {
  const events = [
    failed('a', 'exit code 1: boom', 1),
    failed('a', 'exit code 2: bang', 2),
    failed('a', 'timed out after 1s', 3),
    failed('b', 'exit code 1', 4),
  ];
  assert.deepEqual(
    findPromotions(events, 2).map((p) => [p.pattern, p.count]),
    [['agent=a exit', 2]],
  );
  assert.equal(findPromotions(events, 3).length, 0);
  const id = findPromotions(events, 2)[0].id;
  const settled = [
    ...events,
    { id: 'e-9', ts: 'z', actor: 'x', type: 'reflect.rejected', subject: id, data: {} },
  ];
  assert.equal(findPromotions(settled, 2).length, 0, 'a decided pattern is not proposed again');
});

test('a recurring failure becomes a pending promotion; promoted, it gates that agent before its steps run', (t) => {
  const { dir } = runWorkspace(
    t,
    '  - id: f\n    steps:\n      - { id: s, agent: failer, task: try }\n  - id: c\n    steps:\n      - { id: s, agent: counter, task: count }',
  );
  for (let i = 0; i < 2; i++) assert.equal(orc(['--dir', dir, 'run', '--flow', 'f', 'attempt']).code, 12);
  assert.deepEqual(orcJson(dir, ['reflect']).pending, [], 'two failures are under the threshold of 3');
  assert.equal(orc(['--dir', dir, 'run', '--flow', 'f', 'attempt']).code, 12);
  const [promotion] = orcJson(dir, ['reflect']).pending;
  assert.equal(promotion.pattern, 'agent=failer exit');
  assert.equal(promotion.count, 3);
  assert.equal(promotion.evidence.length, 3);
  assert.equal(
    orc(['--dir', dir, 'reflect', 'reject', promotion.id, '--approver', 'ann']).code,
    2,
    'rejecting needs a reason',
  );
  const rule = orcJson(dir, [
    'reflect',
    'promote',
    promotion.id,
    '--approver',
    'ann',
    '--reason',
    'failer keeps failing',
  ]);
  assert.deepEqual([rule.match, rule.gate, rule.source], [{ agent: 'failer' }, 'before', 'promotion']);
  assert.deepEqual(orcJson(dir, ['reflect']).pending, []);
  const gated = orcJson(dir, ['run', '--flow', 'f', 'once more']);
  assert.deepEqual(stepStatus(gated), { s: 'waiting_approval' });
  assert.equal(gated.steps[0].gate.rule, rule.id);
  assert.deepEqual(orcJson(dir, ['run', '--flow', 'c', 'others are not gated']).status, 'complete');
  const types = readEventsFile(dir).map((e) => e.type);
  assert.ok(types.includes('reflect.promoted') && types.includes('policy.added'));
});

test('a rule whose gates are nearly always approved is a demotion candidate; demote retires it with a reason', async (t) => {
  const { dir } = runWorkspace(t, '  - id: c\n    steps:\n      - { id: s, agent: counter, task: count }');
  const rule = orcJson(dir, ['policy', 'add', '--agent', 'counter', '--reason', 'review counts']);
  for (let i = 0; i < 5; i++) {
    const run = orcJson(dir, ['run', '--flow', 'c', `round ${i}`]);
    assert.equal(orc(['--dir', dir, 'approve', run.id]).code, 0);
    await waitForRun(dir, run.id, (r) => r.status === 'complete');
  }
  const [candidate] = orcJson(dir, ['reflect']).demotionCandidates;
  assert.deepEqual(
    [candidate.rule, candidate.approved, candidate.rejected, candidate.rate],
    [rule.id, 5, 0, 1],
  );
  assert.equal(
    orc(['--dir', dir, 'reflect', 'demote', rule.id, '--approver', 'ann']).code,
    2,
    'demoting needs a reason',
  );
  assert.equal(
    orcJson(dir, ['reflect', 'demote', rule.id, '--approver', 'ann', '--reason', 'always approved']).demoted,
    rule.id,
  );
  assert.deepEqual(orcJson(dir, ['policy', 'list']), []);
  assert.ok(
    readEventsFile(dir).some((e) => e.type === 'reflect.demoted' && e.data.reason === 'always approved'),
  );
});

async function flakyBoard(t) {
  const { findWorkspace, logEvent } = await import('../dist/lib/index.js');
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  for (let i = 0; i < 3; i++) {
    await logEvent(ws, {
      type: 'run.step_failed',
      subject: `r-x/s${i}`,
      data: { agent: 'flaky', error: `exit code ${i}` },
    });
  }
  return { dir, ws, id: findPromotions(readEventsFile(dir), 3)[0].id };
}

/** The events of one mutation: consecutive lines, one timestamp. */
function oneMutation(events, types) {
  const at = events.findIndex((e) => e.type === types[0]);
  assert.deepEqual(
    events.slice(at, at + types.length).map((e) => e.type),
    types,
  );
  assert.equal(new Set(events.slice(at, at + types.length).map((e) => e.ts)).size, 1);
  return events[at];
}

test('promoting is one mutation: two promotions of one pattern at once make one rule and one decision', async (t) => {
  const { listPolicies, promotePattern } = await import('../dist/lib/index.js');
  const { dir, ws, id } = await flakyBoard(t);
  const now = new Date('2030-01-02T03:04:05.000Z');
  const results = await Promise.allSettled(
    ['ann', 'bob'].map((approver) => promotePattern(ws, id, { approver, now })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(results.find((r) => r.status === 'rejected').reason.code, 'NOT_FOUND');
  assert.equal((await listPolicies(ws)).length, 1);
  const events = readEventsFile(dir);
  assert.equal(events.filter((e) => e.type === 'policy.added').length, 1);
  assert.equal(events.filter((e) => e.type === 'reflect.promoted').length, 1);
  const first = oneMutation(events, ['policy.added', 'reflect.promoted']);
  assert.equal(first.ts, now.toISOString(), 'dated by the injected clock');
  const before = snapshot(dir);
  await rejects(promotePattern(ws, id, { approver: 'cy' }), 'NOT_FOUND', /no pending promotion/);
  assert.equal(snapshot(dir), before, 'a check that fails under the lock changes nothing');
});

test('demoting is one mutation: two demotions at once retire the rule once, with one decision', async (t) => {
  const { addPolicy, demoteRule, listPolicies } = await import('../dist/lib/index.js');
  const dir = tempWorkspace(t);
  const { findWorkspace } = await import('../dist/lib/index.js');
  const ws = findWorkspace({ dir });
  const rule = await addPolicy(ws, { match: { agent: 'x' }, reason: 'review x' });
  const results = await Promise.allSettled(
    ['ann', 'bob'].map((approver) => demoteRule(ws, rule.id, { approver, reason: 'always approved' })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(results.find((r) => r.status === 'rejected').reason.code, 'NOT_FOUND');
  assert.deepEqual(await listPolicies(ws), []);
  const events = readEventsFile(dir);
  assert.equal(
    events.filter((e) => e.type === 'reflect.demoted').length,
    1,
    'no decision without its removal',
  );
  assert.equal(events.filter((e) => e.type === 'policy.removed').length, 1);
  oneMutation(events, ['reflect.demoted', 'policy.removed']);
});

const ev = (type, subject, data, ts) => ({ id: `e-${ts}`, ts, actor: 'x', type, subject, data });
const fail = (n, ts) => ev('run.step_failed', `r-x/s${n}`, { agent: 'a', error: 'exit code 1' }, ts);

test('findPromotions: a demoted pattern is proposed again when it recurs, counting only what came after', () => {
  const first = [
    fail(1, '2026-01-01T00:00:01Z'),
    fail(2, '2026-01-01T00:00:02Z'),
    fail(3, '2026-01-01T00:00:03Z'),
  ];
  const [promotion] = findPromotions(first, 3);
  assert.equal(promotion.count, 3);
  const promoted = [
    ...first,
    ev('reflect.promoted', promotion.id, { pattern: promotion.pattern, rule: 'p-1' }, '2026-01-02T00:00:00Z'),
    fail(4, '2026-01-03T00:00:00Z'),
    fail(5, '2026-01-03T00:00:01Z'),
    fail(6, '2026-01-03T00:00:02Z'),
  ];
  assert.deepEqual(findPromotions(promoted, 3), [], 'while its rule stands, the pattern is not counted');
  const demoted = [
    ...promoted,
    ev('reflect.demoted', 'p-1', { reason: 'always approved' }, '2026-02-01T00:00:00Z'),
    ev('policy.removed', 'p-1', { reason: 'always approved' }, '2026-02-01T00:00:00Z'),
    fail(7, '2026-02-02T00:00:00Z'),
    fail(8, '2026-02-02T00:00:01Z'),
  ];
  assert.deepEqual(findPromotions(demoted, 3), [], 'after the demotion it starts again from nothing');
  const recurred = findPromotions([...demoted, fail(9, '2026-02-02T00:00:02Z')], 3);
  assert.deepEqual(
    recurred.map((p) => [p.id, p.count, p.demotedRule, p.evidence.map((e) => e.subject)]),
    [[promotion.id, 3, 'p-1', ['r-x/s7', 'r-x/s8', 'r-x/s9']]],
  );
  const removedByHand = [...promoted, ev('policy.removed', 'p-1', { reason: null }, '2026-02-01T00:00:00Z')];
  assert.equal(
    findPromotions([...removedByHand, fail(7, 'a'), fail(8, 'b'), fail(9, 'c')], 3).length,
    1,
    'a rule removed by hand frees its pattern too',
  );
  const rejected = [
    ...first,
    ev('reflect.rejected', promotion.id, { reason: 'flaky CI' }, '2026-01-02T00:00:00Z'),
  ];
  assert.deepEqual(
    findPromotions([...rejected, fail(7, 'a'), fail(8, 'b'), fail(9, 'c')], 3),
    [],
    'a rejected pattern stays settled',
  );
});

test('findDemotionCandidates: a rule that no longer earns its gate, judged over the window at the injected time', () => {
  const rules = ['p-1', 'p-2', 'p-3'].map((id) => ({
    v: 1,
    id,
    match: { agent: 'a' },
    effect: 'gate',
    gate: 'before',
    reason: 'r',
    source: 'promotion',
    createdBy: 'x',
    createdAt: '2026-01-01T00:00:00.000Z',
  }));
  rules.push({ ...rules[0], id: 'p-4', effect: 'forbid', gate: null });
  const day = (d) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString();
  const decisions = [
    // p-1 caught three bad steps in January, then was approved five times in March.
    ...[1, 2, 3].map((d) => ({ rule: 'p-1', decision: 'rejected', at: day(d) })),
    ...[60, 61, 62, 63, 64].map((d) => ({ rule: 'p-1', decision: 'approved', at: day(d) })),
    // p-2 still catches one in five.
    ...[60, 61, 62, 63].map((d) => ({ rule: 'p-2', decision: 'approved', at: day(d) })),
    { rule: 'p-2', decision: 'rejected', at: day(64) },
    // p-3 was decided too few times to judge.
    ...[60, 61, 62, 63].map((d) => ({ rule: 'p-3', decision: 'approved', at: day(d) })),
    ...[60, 61, 62, 63, 64].map((d) => ({ rule: 'p-4', decision: 'approved', at: day(d) })),
  ];
  const settings = DEFAULT_REFLECTION;
  assert.deepEqual(settings, { threshold: 3, minDecisions: 5, approvalRate: 0.9, windowDays: 30 });
  assert.deepEqual(findDemotionCandidates(rules, decisions, settings, new Date(day(65))), [
    { rule: 'p-1', approved: 5, rejected: 0, rate: 1, since: day(35) },
  ]);
  assert.deepEqual(
    findDemotionCandidates(rules, decisions, { ...settings, windowDays: 90 }, new Date(day(65))),
    [],
    'over 90 days p-1 still earned its gate (5 of 8 approved)',
  );
  assert.deepEqual(
    findDemotionCandidates(rules, decisions, settings, new Date(day(100))),
    [],
    'a month later its decisions have left the window',
  );
  assert.deepEqual(
    findDemotionCandidates(rules, decisions, settings, new Date(day(62))),
    [],
    'nothing after now counts',
  );
});

test('gateDecisions: events name the rule; an older event without one is matched to its step gate', () => {
  const events = [
    ev('run.step_approved', 'r-1/a', { by: 'ann', when: 'before', rule: 'p-1' }, '2026-01-01T00:00:00Z'),
    ev('run.step_approved', 'r-1/a', { by: 'ann', when: 'after' }, '2026-01-01T00:01:00Z'),
    ev('run.step_rejected', 'r-0/b', { by: 'bob', reason: 'no' }, '2026-01-01T00:02:00Z'),
    ev('run.step_approved', 'r-0/c', { by: 'bob' }, '2026-01-01T00:03:00Z'),
  ];
  assert.deepEqual(gateDecisions(events, new Map([['r-0/b', 'p-0']])), [
    { rule: 'p-1', decision: 'approved', at: '2026-01-01T00:00:00Z' },
    { rule: 'p-0', decision: 'rejected', at: '2026-01-01T00:02:00Z' },
  ]);
});
