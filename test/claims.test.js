import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addTask,
  claimTask,
  completeTask,
  createWorkstream,
  failTask,
  findWorkspace,
  getAgent,
  getTask,
  heartbeatAgent,
  listAgents,
  listTasks,
  nextTask,
  registerAgent,
  releaseTask,
  statusSummary,
  unregisterAgent,
} from '../dist/lib/index.js';
import { orc, orcJson, readEventsFile, rejects, tempWorkspace } from './helpers.js';

async function board(t) {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build', priority: 1 });
  await createWorkstream(ws, { name: 'docs', priority: 2 });
  await registerAgent(ws, { id: 'a1', capabilities: ['ts'] });
  await registerAgent(ws, { id: 'a2' });
  return { dir, ws };
}

test('nextTask takes the most urgent ready task, then capability matches, then the oldest', async (t) => {
  const { ws } = await board(t);
  const old = await addTask(ws, { workstream: 'docs', title: 'old p2', priority: 2 });
  const tagged = await addTask(ws, { workstream: 'docs', title: 'tagged p2', priority: 2, tags: ['ts'] });
  const blocker = await addTask(ws, { workstream: 'build', title: 'blocker p3', priority: 3 });
  await addTask(ws, { workstream: 'build', title: 'blocked p0', priority: 0, deps: [blocker.id] });
  assert.equal((await nextTask(ws, { agent: 'a1' })).id, tagged.id, 'capability match wins among equals');
  assert.equal((await nextTask(ws, { agent: 'a2' })).id, old.id);
  assert.equal(await nextTask(ws, { agent: 'a2', workstream: 'docs', another: true }), null);
  const third = await nextTask(ws, { agent: 'a2', another: true });
  assert.equal(third.id, blocker.id, 'a task with unfinished deps is never handed out');
  await completeTask(ws, blocker.id, 'done', { agent: 'a2' });
  assert.equal((await nextTask(ws, { agent: 'a2', another: true })).title, 'blocked p0');
  assert.equal(await nextTask(ws, { agent: 'a2', another: true }), null);
});

test('t next twice hands back the same claim with its lease renewed; --another takes a second', async (t) => {
  const { dir, ws } = await board(t);
  const first = await addTask(ws, { workstream: 'build', title: 'first', priority: 1 });
  const second = await addTask(ws, { workstream: 'build', title: 'second', priority: 2 });
  const t0 = Date.now();
  // Leases of a minute: the CLI calls below run at the real clock, a moment later.
  const taken = await nextTask(ws, { agent: 'a1', ttlMs: 60_000, now: new Date(t0) });
  const again = await nextTask(ws, { agent: 'a1', ttlMs: 60_000, now: new Date(t0 + 500) });
  assert.deepEqual([again.id, again.claim.token], [first.id, taken.claim.token]);
  assert.equal(again.claim.expiresAt, new Date(t0 + 60_500).toISOString(), 'renewed from the second call');
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'task.claimed').length, 1, 'no second claim');
  const cli = orcJson(dir, ['t', 'next', 'a1']);
  assert.deepEqual([cli.id, cli.claim.token], [first.id, taken.claim.token]);
  const more = orcJson(dir, ['t', 'next', 'a1', '--another']);
  assert.equal(more.id, second.id);
  assert.equal(orc(['--dir', dir, 't', 'next', '--help']).stdout.includes('--another'), true);
});

test('a claim carries a lease and a token; only its holder may finish it', async (t) => {
  const { dir, ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  const claimed = await claimTask(ws, task.id, 'a1');
  assert.equal(claimed.status, 'claimed');
  assert.equal(claimed.claim.agent, 'a1');
  assert.ok(claimed.claim.token.length >= 10);
  await rejects(claimTask(ws, task.id, 'a2'), 'CONFLICT', /already claimed by a1/);
  await rejects(completeTask(ws, task.id, 'r', { agent: 'a2' }), 'CLAIM_LOST', /held by a1/);
  await rejects(completeTask(ws, task.id, 'r', { token: 'wrong' }), 'CLAIM_LOST', /token mismatch/);
  await rejects(completeTask(ws, task.id, 'r'), 'INVALID_INPUT', /say who you are/);
  const done = await completeTask(ws, task.id, 'shipped', { token: claimed.claim.token });
  assert.deepEqual([done.status, done.result, done.claim], ['done', 'shipped', null]);
  await rejects(completeTask(ws, task.id, 'again', { agent: 'a1' }), 'CONFLICT', /done already/);
  const events = readEventsFile(dir);
  assert.deepEqual(
    events.slice(-2).map((e) => e.type),
    ['task.claimed', 'task.completed'],
  );
  assert.equal(events.at(-1).actor, 'a1', 'the token identifies the holder as the actor');
});

test('an expired lease puts the task back in the queue, with an event; its old holder has lost it', async (t) => {
  const { dir, ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  const t0 = Date.now();
  const at = (ms) => new Date(t0 + ms);
  await claimTask(ws, task.id, 'a1', { ttlMs: 300, now: at(0) });
  assert.equal(await nextTask(ws, { agent: 'a2', now: at(299) }), null, 'live until its last millisecond');
  const taken = await nextTask(ws, { agent: 'a2', now: at(300) });
  assert.equal(taken.id, task.id);
  assert.equal(taken.attempts, 2);
  assert.equal(taken.claim.claimedAt, at(300).toISOString(), 'the claim is dated by the injected clock');
  const expired = readEventsFile(dir).find((e) => e.type === 'task.lease_expired');
  assert.equal(expired.subject, task.id);
  assert.equal(expired.data.agent, 'a1');
  assert.equal(expired.ts, at(300).toISOString());
  await rejects(completeTask(ws, task.id, 'late', { agent: 'a1' }), 'CLAIM_LOST', /held by a2/);
  const cli = orc(['--dir', dir, 't', 'complete', task.id, 'late', '--agent', 'a1']);
  assert.equal(cli.code, 8);
  assert.match(cli.stderr, /your claim is gone/);
});

test('heartbeats renew every lease the agent holds', async (t) => {
  const { ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  const t0 = Date.now();
  const at = (ms) => new Date(t0 + ms);
  await claimTask(ws, task.id, 'a1', { ttlMs: 400, now: at(0) });
  for (let i = 1; i <= 3; i++) {
    const beat = await heartbeatAgent(ws, 'a1', { ttlMs: 400, now: at(200 * i) });
    assert.deepEqual(
      beat.renewed.map((r) => [r.id, r.expiresAt]),
      [[task.id, at(200 * i + 400).toISOString()]],
    );
  }
  assert.equal(
    await nextTask(ws, { agent: 'a2', now: at(999) }),
    null,
    'the renewed claim still holds 999 ms after a 400 ms claim',
  );
  assert.equal((await getTask(ws, task.id)).claim.agent, 'a1');
  assert.equal((await nextTask(ws, { agent: 'a2', now: at(1000) })).claim.agent, 'a2', 'then it runs out');
});

test('fail records the reason; release gives the task back; force is recorded', async (t) => {
  const { dir, ws } = await board(t);
  const a = await addTask(ws, { workstream: 'build', title: 'a' });
  const b = await addTask(ws, { workstream: 'build', title: 'b' });
  await claimTask(ws, a.id, 'a1');
  await rejects(failTask(ws, a.id, '', { agent: 'a1' }), 'INVALID_INPUT', /reason/);
  const failed = await failTask(ws, a.id, 'tests red', { agent: 'a1' });
  assert.deepEqual([failed.status, failed.reason], ['failed', 'tests red']);
  await claimTask(ws, b.id, 'a1');
  await rejects(releaseTask(ws, b.id, { agent: 'a2' }), 'CLAIM_LOST', /held by a1/);
  assert.equal((await releaseTask(ws, b.id, { agent: 'a2', force: true })).status, 'open');
  assert.equal(readEventsFile(dir).at(-1).data.forced, true);
  await rejects(releaseTask(ws, b.id, { agent: 'a1' }), 'CONFLICT', /not claimed/);
});

test('a task tagged for:<agent> is handed out to that agent only', async (t) => {
  const { ws } = await board(t);
  const mine = await addTask(ws, { workstream: 'build', title: 'for a2', priority: 0, tags: ['for:a2'] });
  const other = await addTask(ws, { workstream: 'build', title: 'anyone', priority: 5 });
  assert.equal((await nextTask(ws, { agent: 'a1' })).id, other.id, 'a1 skips the reserved task');
  await rejects(claimTask(ws, mine.id, 'a1'), 'CONFLICT', /reserved for a2/);
  assert.equal((await nextTask(ws, { agent: 'a2' })).id, mine.id);
});

test('claims need a registered agent and a ready task', async (t) => {
  const { ws } = await board(t);
  const a = await addTask(ws, { workstream: 'build', title: 'a' });
  const b = await addTask(ws, { workstream: 'build', title: 'b', deps: [a.id] });
  await rejects(claimTask(ws, a.id, 'ghost'), 'NOT_FOUND', /not registered/);
  await rejects(nextTask(ws, { agent: 'ghost' }), 'NOT_FOUND', /not registered/);
  await rejects(claimTask(ws, b.id, 'a1'), 'CONFLICT', /waits on/);
  await rejects(nextTask(ws, { agent: 'a1', workstream: 'nope' }), 'NOT_FOUND', /workstream/);
});

test('unregistering an agent releases its claims', async (t) => {
  const { ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1');
  const result = await unregisterAgent(ws, 'a1');
  assert.deepEqual(result.releasedTasks, [task.id]);
  assert.equal((await listTasks(ws, { ready: true })).length, 1);
  await rejects(heartbeatAgent(ws, 'a1'), 'NOT_FOUND', /not registered/);
});

test('reads judge leases and staleness at the time they are given: status, agents, ready tasks', async (t) => {
  const { ws } = await board(t);
  const t0 = Date.now();
  const at = (ms) => new Date(t0 + ms);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1', { ttlMs: 60_000, now: at(0) });
  const soon = await statusSummary(ws, { now: at(59_999) });
  assert.deepEqual(
    soon.claims.map((c) => [c.task, c.expired]),
    [[task.id, false]],
  );
  assert.equal((await listTasks(ws, { ready: true }, { now: at(59_999) })).length, 0);
  const after = await statusSummary(ws, { now: at(60_000) });
  assert.deepEqual(
    after.claims.map((c) => [c.task, c.expired]),
    [[task.id, true]],
  );
  assert.deepEqual(
    (await listTasks(ws, { ready: true }, { now: at(60_000) })).map((x) => x.id),
    [task.id],
  );
  // a1 is seen when it claims (its record rewritten at most once a tenth of stale_after: a claim 5
  // minutes after the last one is); the default board.stale_after is 10 minutes.
  const second = await addTask(ws, { workstream: 'build', title: 'y' });
  await claimTask(ws, second.id, 'a1', { ttlMs: 60_000, now: at(300_000) });
  assert.equal((await getAgent(ws, 'a1', { now: at(900_000) })).state, 'live');
  assert.equal((await getAgent(ws, 'a1', { now: at(900_001) })).state, 'stale');
  assert.deepEqual(
    (await listAgents(ws, { now: at(900_001) })).map((a) => [a.id, a.state]),
    [
      ['a1', 'stale'],
      ['a2', 'stale'],
    ],
  );
});

test('a claim rewrites the agent record only when it was last seen a tenth of stale_after ago or more', async (t) => {
  const { ws } = await board(t);
  const seen = async () => (await getAgent(ws, 'a1', { now: new Date() })).lastSeen;
  const registered = await seen();
  const t0 = Date.parse(registered);
  const at = (ms) => new Date(t0 + ms);
  const tasks = [];
  for (const title of ['a', 'b', 'c']) tasks.push(await addTask(ws, { workstream: 'build', title }));
  await claimTask(ws, tasks[0].id, 'a1', { now: at(59_999) });
  assert.equal(await seen(), registered, 'within a minute of the last write: the record is left alone');
  await claimTask(ws, tasks[1].id, 'a1', { now: at(60_000) });
  assert.equal(await seen(), at(60_000).toISOString(), 'a minute later: rewritten');
  await claimTask(ws, tasks[2].id, 'a1', { now: at(1_000) });
  assert.equal(await seen(), at(1_000).toISOString(), 'a clock behind the record: rewritten, never skipped');
});
