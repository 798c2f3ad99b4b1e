import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPromotions } from '../dist/lib/memory/reflection.js';
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
