// The pure cores, in process and without a disk: the choice of the next task, run step transitions and
// knowledge ranking. Time is an argument; every test gives its own clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseNextTask } from '../dist/lib/board/claims.js';
import { rankBm25 } from '../dist/lib/knowledge/knowledge-ranking.js';
import {
  INLINE_OUTPUT_LIMIT,
  applyStepOutcome,
  applyStepOutcomes,
  requeueRunStep,
  startRunSteps,
  stepsToStart,
} from '../dist/lib/runs/run-transitions.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const later = (ms) => new Date(NOW.getTime() + ms).toISOString();

// --- choosing the next task ----------------------------------------------------------------------

let seq = 0;
function entry(fields) {
  seq++;
  return {
    id: `t-${String(seq).padStart(12, '0')}`,
    workstream: 'build',
    priority: 3,
    status: 'open',
    tags: [],
    deps: [],
    createdAt: later(seq),
    claim: null,
    lost: [],
    ...fields,
  };
}
const queueOf = (...entries) => new Map(entries.map((e) => [e.id, e]));
const STREAMS = [
  { name: 'build', status: 'active' },
  { name: 'docs', status: 'active' },
  { name: 'old', status: 'archived' },
];
const ADA = { id: 'ada', capabilities: ['ts'] };
const choose = (queue, options = {}, agent = ADA, now = NOW) =>
  chooseNextTask(queue, agent, { workstreams: STREAMS, ...options }, now)?.id;

test('chooseNextTask: lowest priority number, then matching capabilities, then the workstream, then the oldest', () => {
  const oldest = entry({ workstream: 'docs' });
  const sameStreamNewer = entry({ workstream: 'docs' });
  assert.equal(choose(queueOf(sameStreamNewer, oldest)), oldest.id, 'the oldest');
  const urgentStream = entry({ workstream: 'build' });
  assert.equal(choose(queueOf(oldest, urgentStream)), urgentStream.id, 'the more urgent workstream first');
  const matching = entry({ workstream: 'docs', tags: ['ts'] });
  assert.equal(choose(queueOf(oldest, urgentStream, matching)), matching.id, 'then capabilities');
  const urgent = entry({ workstream: 'docs', priority: 1 });
  assert.equal(choose(queueOf(oldest, urgentStream, matching, urgent)), urgent.id, 'priority first');
});

test('chooseNextTask: only ready tasks of active workstreams, not reserved for another agent', () => {
  const done = entry({ status: 'done' });
  const waiting = entry({ deps: [done.id, 't-missing00000'] });
  const reserved = entry({ tags: ['for:bob'] });
  const archived = entry({ workstream: 'old' });
  const cancelled = entry({ status: 'cancelled' });
  const none = queueOf(done, waiting, reserved, archived, cancelled);
  assert.equal(choose(none), undefined);
  assert.equal(choose(none, {}, { id: 'bob', capabilities: [] }), reserved.id, 'its own agent gets it');
  const ready = entry({ deps: [done.id] });
  assert.equal(choose(queueOf(...none.values(), ready)), ready.id, 'a dependency done is no obstacle');
  assert.equal(choose(queueOf(ready), { workstream: 'docs' }), undefined, 'only the workstream asked for');
});

test('chooseNextTask: a lease is judged at the injected time, to the millisecond', () => {
  const held = entry({ status: 'claimed', priority: 1, claim: { agent: 'bob', expiresAt: later(1000) } });
  const open = entry({ priority: 5 });
  const queue = queueOf(held, open);
  assert.equal(choose(queue, {}, ADA, new Date(NOW.getTime() + 999)), open.id, 'still held');
  assert.equal(choose(queue, {}, ADA, new Date(NOW.getTime() + 1000)), held.id, 'run out: available again');
});

test('chooseNextTask: an agent holding a live claim gets it back; `another` takes one more', () => {
  const mine = entry({
    status: 'claimed',
    priority: 5,
    claim: { agent: 'ada', token: 'tk', expiresAt: later(1000) },
  });
  const urgent = entry({ priority: 0 });
  const queue = queueOf(mine, urgent);
  assert.equal(choose(queue), mine.id, 'the held claim, although a more urgent task is ready');
  assert.equal(choose(queue, { another: true }), urgent.id, 'another: the queue as usual');
  assert.equal(choose(queue, {}, { id: 'bob', capabilities: [] }), urgent.id, 'other agents are not bound');
  const at = new Date(NOW.getTime() + 1000);
  assert.equal(choose(queue, {}, ADA, at), urgent.id, 'a claim that ran out binds nobody');
});

test('chooseNextTask: a lease renewed on this machine (presence, same agent and token) still holds', () => {
  const held = entry({
    status: 'claimed',
    priority: 1,
    claim: { agent: 'bob', token: 'tk', expiresAt: later(1000) },
  });
  const queue = queueOf(held);
  const renewal = (agent, token) => ({
    agents: new Map(),
    renewals: new Map([[held.id, { task: held.id, agent, token, expiresAt: later(5000) }]]),
  });
  const at = new Date(NOW.getTime() + 2000);
  assert.equal(choose(queue, { presence: renewal('bob', 'tk') }, ADA, at), undefined, 'renewed to +5s');
  assert.equal(
    choose(queue, { presence: renewal('bob', 'old') }, ADA, at),
    held.id,
    'another claim’s renewal',
  );
  assert.equal(choose(queue, { presence: renewal('cy', 'tk') }, ADA, at), held.id, 'another agent’s renewal');
  assert.equal(
    choose(queue, { presence: renewal('bob', 'tk') }, ADA, new Date(NOW.getTime() + 5000)),
    held.id,
  );
});

// --- run step transitions ------------------------------------------------------------------------

function step(id, fields = {}) {
  return {
    id,
    agent: 'echo',
    kind: 'command',
    task: `do ${id}`,
    deps: [],
    gate: null,
    status: 'pending',
    attempts: 0,
    output: null,
    outputFile: null,
    error: null,
    decision: null,
    boardTask: null,
    startedAt: null,
    endedAt: null,
    ...fields,
  };
}

function runOf(steps, fields = {}) {
  return {
    v: 1,
    id: 'r-000000000001',
    task: 'ship it',
    status: 'running',
    plan: { source: 'flow', flow: 'f' },
    payload: {},
    concurrency: 2,
    steps,
    createdBy: 'tester',
    createdAt: later(-60_000),
    updatedAt: later(-60_000),
    endedAt: null,
    ...fields,
  };
}

const types = (t) => t.events.map((e) => `${e.type} ${e.subject}`);

test('applyStepOutcome: an output makes the step done and the run complete, at the injected time', () => {
  const run = runOf([step('a', { status: 'running', attempts: 1 })]);
  const before = structuredClone(run);
  const t = applyStepOutcome(run, { step: 'a', output: 'hello' }, NOW);
  assert.deepEqual(run, before, 'the run given is left as it was');
  assert.deepEqual(types(t), ['run.step_done r-000000000001/a', 'run.complete r-000000000001']);
  assert.deepEqual(t.events[0].data, { agent: 'echo', chars: 5 });
  assert.deepEqual(t.events[1].data, { from: 'running' });
  const [a] = t.run.steps;
  assert.deepEqual([a.status, a.output, a.endedAt], ['done', 'hello', NOW.toISOString()]);
  assert.deepEqual(
    [t.run.status, t.run.updatedAt, t.run.endedAt],
    ['complete', NOW.toISOString(), NOW.toISOString()],
  );
  assert.deepEqual(
    t.changed.map((s) => s.id),
    ['a'],
  );
  assert.deepEqual(t.files, []);
});

test('applyStepOutcome: an error fails the step and skips what depends on it, directly or not', () => {
  const run = runOf([
    step('a', { status: 'running' }),
    step('b', { deps: ['a'] }),
    step('c', { deps: ['b'], status: 'waiting_approval' }),
    step('d'),
  ]);
  const t = applyStepOutcome(run, { step: 'a', error: `exit code 1:\n${'x'.repeat(400)}` }, NOW);
  assert.deepEqual(types(t), [
    'run.step_failed r-000000000001/a',
    'run.step_skipped r-000000000001/b',
    'run.step_skipped r-000000000001/c',
  ]);
  assert.equal(t.events[0].data.error.length, 300, 'the event keeps one line of the error');
  assert.deepEqual(
    t.run.steps.map((s) => s.status),
    ['failed', 'skipped', 'skipped', 'pending'],
  );
  assert.equal(t.run.steps[1].error, 'skipped: a failed');
  assert.equal(t.run.status, 'running', 'd can still run');
  assert.equal(t.run.endedAt, null);
});

test('applyStepOutcome: an after gate holds the output for review; a long output goes to a side file', () => {
  const gate = { mode: 'after', source: 'agent', criteria: null };
  const long = 'y'.repeat(INLINE_OUTPUT_LIMIT + 1);
  const t = applyStepOutcome(
    runOf([step('a', { status: 'running', gate })]),
    { step: 'a', output: long },
    NOW,
  );
  assert.deepEqual(types(t), ['run.step_waiting r-000000000001/a', 'run.waiting_approval r-000000000001']);
  assert.deepEqual(t.files, [{ path: 'state/runs/r-000000000001/a.out', text: long }]);
  assert.equal(t.run.steps[0].outputFile, 'state/runs/r-000000000001/a.out');
  assert.match(
    t.run.steps[0].output,
    /^y{2000}\n… \(8001 characters in all: state\/runs\/r-000000000001\/a\.out\)$/,
  );
});

test('applyStepOutcome: a step no longer running is left alone; an unknown step is NOT_FOUND', () => {
  const run = runOf([step('a', { status: 'cancelled' })], { status: 'cancelled' });
  const t = applyStepOutcome(run, { step: 'a', output: 'late' }, NOW);
  assert.deepEqual([t.events, t.changed, t.run], [[], [], run]);
  assert.throws(
    () => applyStepOutcome(run, { step: 'zz', output: '' }, NOW),
    (e) => e.code === 'NOT_FOUND' && /has no step "zz"/.test(e.message),
  );
});

test('applyStepOutcomes: outcomes that arrive together make one run status change', () => {
  const run = runOf([step('a', { status: 'running' }), step('b', { status: 'running' })]);
  const t = applyStepOutcomes(
    run,
    [
      { step: 'a', output: '1' },
      { step: 'b', error: 'boom' },
    ],
    NOW,
  );
  assert.deepEqual(types(t), [
    'run.step_done r-000000000001/a',
    'run.step_failed r-000000000001/b',
    'run.failed r-000000000001',
  ]);
});

test('startRunSteps: startable steps run (attempt counted, dated); a before gate waits; a cancelled run starts nothing', () => {
  const gate = { mode: 'before', source: 'flow', criteria: null };
  const run = runOf([step('a'), step('b', { gate }), step('c', { deps: ['a'] })]);
  const t = startRunSteps(run, ['a', 'b', 'c'], NOW);
  assert.deepEqual(
    t.started.map((s) => s.id),
    ['a'],
  );
  assert.deepEqual(
    t.run.steps.map((s) => [s.status, s.attempts, s.startedAt]),
    [
      ['running', 1, NOW.toISOString()],
      ['waiting_approval', 0, null],
      ['pending', 0, null],
    ],
  );
  assert.deepEqual(types(t), ['run.step_started r-000000000001/a', 'run.step_waiting r-000000000001/b']);
  const approved = runOf([
    step('b', { gate, decision: { decision: 'approved', by: 'x', at: NOW, note: null } }),
  ]);
  assert.equal(
    startRunSteps(approved, ['b'], NOW).started.length,
    1,
    'an approved before gate lets it start',
  );
  const cancelled = startRunSteps(runOf([step('a')], { status: 'cancelled' }), ['a'], NOW);
  assert.deepEqual([cancelled.started, cancelled.changed], [[], []]);
});

test('requeueRunStep: a step left running goes back to pending, once', () => {
  const t = requeueRunStep(runOf([step('a', { status: 'running', attempts: 2 })]), 'a', NOW);
  assert.deepEqual(types(t), ['run.step_requeued r-000000000001/a']);
  assert.deepEqual(t.events[0].data, { attempt: 2, reason: 'its runner stopped mid-step' });
  assert.equal(t.run.steps[0].status, 'pending');
  assert.deepEqual(requeueRunStep(t.run, 'a', NOW).changed, [], 'pending already: nothing to do');
});

test('stepsToStart: before gates take no slot; the others fill the free slots of the concurrency', () => {
  const gate = { mode: 'before', source: 'flow', criteria: null };
  const run = runOf([step('a'), step('b'), step('c'), step('g', { gate }), step('d', { deps: ['a'] })], {
    concurrency: 2,
  });
  const ids = (active) => stepsToStart(run, new Set(active)).map((s) => s.id);
  assert.deepEqual(ids([]), ['g', 'a', 'b']);
  assert.deepEqual(ids(['x']), ['g', 'a'], 'one slot taken');
  assert.deepEqual(ids(['x', 'y', 'z']), ['g'], 'none free');
});

// --- knowledge ranking ---------------------------------------------------------------------------

/** An index of three base chunks (lengths 10, 20, 10) and one overlay chunk (length 10). */
function rankingData(extra = {}) {
  const postings = { deploy: [0, 2, 1, 1], proxy: [2, 1] };
  return {
    state: {
      baseChunks: 3,
      baseLength: 40,
      deleted: [],
      overlay: [{ len: 10, tf: { deploy: 3 } }],
      ...extra,
    },
    baseLengths: [10, 20, 10],
    postings: (term) => postings[term] ?? [],
  };
}

test('rankBm25 scores by the BM25 formula over base and overlay, best first', () => {
  const ranked = rankBm25(rankingData(), ['deploy'], 10);
  assert.deepEqual(
    ranked.map((r) => r.key),
    [-1, 0, 1],
    'overlay chunk 0 (3 hits), base 0 (2 hits), base 1 (1 hit, longer)',
  );
  // N = 4 chunks, df = 3, average length 50 / 4.
  const idf = Math.log(1 + (4 - 3 + 0.5) / (3 + 0.5));
  const bm25 = (tf, len) => (idf * tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * len) / 12.5));
  assert.ok(Math.abs(ranked[1].score - bm25(2, 10)) < 1e-12);
  assert.ok(Math.abs(ranked[2].score - bm25(1, 20)) < 1e-12);
  assert.deepEqual(
    rankBm25(rankingData(), ['deploy'], 2).map((r) => r.key),
    [-1, 0],
    'at most limit',
  );
  assert.deepEqual(rankBm25(rankingData(), [], 10), []);
  assert.deepEqual(rankBm25(rankingData(), ['unknown'], 10), []);
});

test('rankBm25 adds the scores of several terms; replaced base chunks are neither found nor counted', () => {
  const both = rankBm25(rankingData(), ['deploy', 'proxy'], 10);
  assert.deepEqual(
    both.map((r) => r.key),
    [2, -1, 0, 1],
    'proxy is rarer than deploy: its one hit outweighs three of deploy',
  );
  const replaced = rankBm25(rankingData({ deleted: [[0, 1, 10]] }), ['deploy'], 10);
  assert.deepEqual(
    replaced.map((r) => r.key),
    [-1, 1],
  );
  // Now N = 3, df = 2: the idf of "deploy" rises.
  const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
  const average = (40 - 10 + 10) / 3;
  const expected = (idf * 1 * 2.2) / (1 + 1.2 * (1 - 0.75 + (0.75 * 20) / average));
  assert.ok(Math.abs(replaced[1].score - expected) < 1e-12);
});

test('rankBm25 breaks ties by the lower key: overlay chunks (negative keys), then base chunks in order', () => {
  const data = {
    state: { baseChunks: 2, baseLength: 20, deleted: [], overlay: [{ len: 10, tf: { x: 1 } }] },
    baseLengths: [10, 10],
    postings: (term) => (term === 'x' ? [1, 1, 0, 1] : []),
  };
  assert.deepEqual(
    rankBm25(data, ['x'], 10).map((r) => r.key),
    [-1, 0, 1],
  );
});
