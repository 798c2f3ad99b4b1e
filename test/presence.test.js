// Presence out of git: heartbeats renew leases machine-locally (the git common dir), leave every
// committed file and the event log alone, and reach other machines through `orc sync`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  claimTask,
  findWorkspace,
  getTask,
  heartbeatAgent,
  listAgents,
  nextTask,
  statusSummary,
  syncWorkspace,
} from '../dist/lib/index.js';
import { commitAll, git, repoWorkspace } from './git-helpers.js';
import { BIN, orc, orcJson, readEventsFile, tempDir, tempWorkspace } from './helpers.js';

const T0 = Date.parse('2030-06-01T12:00:00.000Z');
const at = (ms) => new Date(T0 + ms);
const iso = (ms) => at(ms).toISOString();

function presenceFiles(repo) {
  const root = join(repo, '.git', 'orc', 'presence');
  return existsSync(root) ? readdirSync(root).flatMap((key) => readdirSync(join(root, key))) : [];
}

test('100 heartbeats leave git status clean and the event log as it was; presence lives in the git common dir', async (t) => {
  const dir = repoWorkspace(t);
  const ws = findWorkspace({ dir });
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1');
  commitAll(dir, 'claimed');
  const events = readEventsFile(dir).length;
  for (let i = 0; i < 97; i++) await heartbeatAgent(ws, 'a1');
  for (let i = 0; i < 3; i++) assert.equal(orc(['--dir', dir, 'a', 'heartbeat', 'a1']).code, 0);
  assert.equal(git(dir, 'status', '--porcelain', '--untracked-files=all'), '');
  assert.equal(readEventsFile(dir).length, events, 'no event appended');
  assert.deepEqual(presenceFiles(dir), ['a1.json']);
  const renewed = (await heartbeatAgent(ws, 'a1', { ttlMs: 3_600_000 })).renewed[0].expiresAt;
  assert.equal((await getTask(ws, task.id)).claim.expiresAt, renewed, 'readers see the renewed lease');
  assert.equal(orcJson(dir, ['t', 'show', task.id]).claim.expiresAt, renewed);
});

test('a claim whose heartbeats stop expires on time; readers judge it at its renewed expiry', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  orcJson(dir, ['a', 'register', 'a2']);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1', { ttlMs: 1000, now: at(0) });
  await heartbeatAgent(ws, 'a1', { ttlMs: 1000, now: at(600) });
  await heartbeatAgent(ws, 'a1', { ttlMs: 1000, now: at(1200) }); // then the heartbeats stop
  assert.ok(existsSync(join(dir, '.orc', 'presence', 'a1.json')), 'outside git: the local folder');
  const file = JSON.parse(readFileSync(join(dir, 'state', 'tasks', `${task.id}.json`), 'utf8'));
  assert.equal(file.claim.expiresAt, iso(1000), 'the task file is untouched');
  const status = await statusSummary(ws, { now: at(2199) });
  assert.deepEqual(
    status.claims.map((c) => [c.expiresAt, c.expired]),
    [[iso(2200), false]],
  );
  assert.equal((await statusSummary(ws, { now: at(2200) })).claims[0].expired, true);
  assert.equal((await listAgents(ws, { now: at(1300) })).find((a) => a.id === 'a1').lastSeen, iso(1200));
  assert.equal(await nextTask(ws, { agent: 'a2', now: at(2199) }), null, 'still held at 2199 ms');
  const taken = await nextTask(ws, { agent: 'a2', now: at(2200) });
  assert.equal(taken.claim.agent, 'a2', 'run out at 2200 ms: handed to another agent');
  const lapsed = readEventsFile(dir).find((e) => e.type === 'task.lease_expired');
  assert.equal(lapsed.data.agent, 'a1');
});

test('the claim checks of complete and release use the renewed lease', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  const claimed = await claimTask(ws, task.id, 'a1', { ttlMs: 1000 });
  await heartbeatAgent(ws, 'a1', { ttlMs: 3_600_000 });
  // Past the file's expiry but inside the renewal: the claim is live, so someone else is refused.
  const later = new Date(Date.now() + 5000);
  const { completeTask } = await import('../dist/lib/index.js');
  await assert.rejects(completeTask(ws, task.id, 'r', { agent: 'a2', now: later }), { code: 'CLAIM_LOST' });
  const done = await completeTask(ws, task.id, 'r', { token: claimed.claim.token, now: later });
  assert.equal(done.status, 'done');
});

test('a corrupt presence file is ignored with a warning, never fatal', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  const task = orcJson(dir, ['t', 'add', 'build', 'x']);
  orcJson(dir, ['t', 'next', 'a1']);
  orcJson(dir, ['a', 'heartbeat', 'a1']);
  writeFileSync(join(dir, '.orc', 'presence', 'a1.json'), '{"v":1,"agent":');
  const list = orc(['--dir', dir, '--json', 't', 'list']);
  assert.equal(list.code, 0);
  assert.equal(list.json()[0].id, task.id);
  assert.match(list.stderr, /presence file of agent a1 is ignored: it is not valid JSON/);
  assert.equal(orc(['--dir', dir, 'a', 'heartbeat', 'a1']).code, 0, 'the next heartbeat rewrites it');
  assert.equal(JSON.parse(readFileSync(join(dir, '.orc', 'presence', 'a1.json'), 'utf8')).agent, 'a1');
  symlinkSync(join(dir, 'state', 'orc.json'), join(dir, '.orc', 'presence', 'a2.json'));
  const linked = orc(['--dir', dir, 'status']);
  assert.equal(linked.code, 0);
  assert.match(
    linked.stderr,
    /presence is ignored where it cannot be read: .*a2\.json is a link, not a file/,
  );
});

test('linked worktrees share presence through the git common dir', async (t) => {
  const dir = repoWorkspace(t);
  const ws = findWorkspace({ dir });
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1', { ttlMs: 1000 });
  commitAll(dir, 'claimed');
  const linked = join(tempDir(t), 'linked');
  git(dir, 'worktree', 'add', '-q', linked);
  const env = { ORC_WORKTREE_BOARD: 'own' }; // its own board, so that only presence is shared
  const renewed = orcJson(dir, ['a', 'heartbeat', 'a1', '--ttl', '2h']).renewed[0].expiresAt;
  assert.equal(orcJson(linked, ['t', 'show', task.id], { env }).claim.expiresAt, renewed);
  assert.equal(git(linked, 'status', '--porcelain'), '');
});

/** A bare remote and two clones of one workspace, A (which created it) and B (a fresh clone). */
function twoMachines(t) {
  const root = tempDir(t);
  const remote = join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  const a = repoWorkspace(t, join(root, 'a'));
  git(a, 'remote', 'add', 'origin', remote);
  git(a, 'push', '-q', '-u', 'origin', 'main');
  const b = join(root, 'b');
  git(root, 'clone', '-q', remote, b);
  for (const dir of [a, b]) {
    git(dir, 'config', 'user.name', 'orc test');
    git(dir, 'config', 'user.email', 'orc@test');
  }
  return { a, b };
}

test('on a second clone, a renewal arrives through orc sync and the claim still expires on time', async (t) => {
  const { a, b } = twoMachines(t);
  const wsA = findWorkspace({ dir: a });
  const start = Date.now(); // sync folds at the real clock: the lease must be live then
  const from = (ms) => new Date(start + ms);
  const task = await addTask(wsA, { workstream: 'build', title: 'x' });
  await claimTask(wsA, task.id, 'a1', { ttlMs: 600_000, now: from(0) });
  await heartbeatAgent(wsA, 'a1', { ttlMs: 3_600_000, now: from(1000) });
  const synced = await syncWorkspace(wsA, { invocation: `node ${BIN}` });
  assert.deepEqual(
    synced.folded.map((f) => [f.id, f.expiresAt]),
    [[task.id, from(3_601_000).toISOString()]],
  );
  assert.equal(readEventsFile(a).at(-1).type, 'task.renewed');
  assert.equal(git(a, 'status', '--porcelain'), '', 'the fold was committed');
  git(b, 'pull', '-q');
  const wsB = findWorkspace({ dir: b });
  assert.equal((await getTask(wsB, task.id)).claim.expiresAt, from(3_601_000).toISOString());
  const seen = (await listAgents(wsB, { now: from(1000) })).find((agent) => agent.id === 'a1');
  assert.equal(seen.lastSeen, from(1000).toISOString(), 'the last heartbeat is folded into the agent too');
  orcJson(b, ['a', 'register', 'b1']);
  assert.equal(await nextTask(wsB, { agent: 'b1', now: from(3_600_999) }), null, 'held on B too');
  assert.equal(
    (await nextTask(wsB, { agent: 'b1', now: from(3_601_000) })).claim.agent,
    'b1',
    'then it runs out',
  );
});

test('a plain orc sync without an upstream still folds the renewals', async (t) => {
  const dir = repoWorkspace(t);
  const ws = findWorkspace({ dir });
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  await claimTask(ws, task.id, 'a1', { ttlMs: 60_000 });
  const renewed = orcJson(dir, ['a', 'heartbeat', 'a1', '--ttl', '2h']).renewed[0].expiresAt;
  const sync = orc(['--dir', dir, 'sync']);
  assert.equal(sync.code, 10);
  assert.match(sync.stderr, /no upstream.*1 lease renewal\(s\) were written into their tasks/);
  const file = JSON.parse(readFileSync(join(dir, 'state', 'tasks', `${task.id}.json`), 'utf8'));
  assert.equal(file.claim.expiresAt, renewed);
});
