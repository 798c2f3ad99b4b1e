// Real orc processes killed (SIGKILL) inside the workspace lock, well over 100 times, during a mix of
// mutations: afterwards every file parses, every state change has its event and no event lacks its
// change, and `orc doctor` is healthy after `orc doctor --fix`. Each victim stops itself at a named
// point of its critical section (ORC_TEST_PAUSE_AT, a test-only hook) and is killed there, so the
// kills land inside it every time; some trials add a bystander that waits for the lock meanwhile, and
// some kill at a random moment instead.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, orc, orcAsync, orcJson, orcPausedAt, tempWorkspace } from '../helpers.js';

const KILLS = 110;
const AGENTS = ['a1', 'a2', 'a3'];
const RESOURCES = ['db', 'deploy'];
// Where a victim is killed: holding the lock before any write; after its journal (the commit point);
// between its files; after its files; after its events; and while rolling a predecessor forward.
const COMMIT_POINTS = [
  'lock:acquired',
  'commit:journaled',
  'commit:wrote-1',
  'commit:wrote-2',
  'commit:wrote-3',
  'commit:applied',
  'commit:logged',
];
const RECOVERY_POINTS = ['recover:wrote-1', 'recover:wrote-2', 'recover:logged'];

// A seeded generator, so that a failing run can be replayed (the seed is in the test's name).
const SEED = Number(process.env.ORC_CRASH_SEED ?? Date.now() % 100_000);
let state = SEED;
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
  return state / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const records = (dir, folder) => {
  const path = join(dir, 'state', folder);
  if (!existsSync(path)) return [];
  return readdirSync(path)
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .map((name) => readJson(join(path, name)));
};

/** One mutation of the mix, chosen against the board as it is now so that it mostly succeeds. */
function chooseMutation(dir, n) {
  const tasks = records(dir, 'tasks');
  const claimed = tasks.filter((t) => t.status === 'claimed');
  const open = tasks.filter((t) => t.status === 'open');
  const registered = records(dir, 'agents').map((a) => a.id);
  const agent = registered.length > 0 ? pick(registered) : undefined;
  const locks = records(dir, 'locks');
  const add = () => ['t', 'add', 'build', `task ${n}`];
  const choices = [
    add,
    () => (agent ? ['t', 'next', agent] : add()),
    () => (agent && open.length > 0 ? ['t', 'claim', pick(open).id, agent] : add()),
    () => {
      if (claimed.length === 0) return add();
      const task = pick(claimed);
      return ['t', 'complete', task.id, 'done', '--agent', task.claim.agent, '--token', task.claim.token];
    },
    () => ['a', 'register', pick(AGENTS)],
    // Leaving releases the agent's claims and locks: the commit of several files at once.
    () => (registered.length > 1 ? ['a', 'unregister', agent] : ['a', 'register', pick(AGENTS)]),
    () => {
      const free = RESOURCES.filter((r) => !locks.some((l) => l.resource === r));
      return agent && free.length > 0 ? ['lock', 'acquire', pick(free), agent] : add();
    },
    () => {
      if (locks.length === 0) return add();
      const lock = pick(locks);
      return ['lock', 'release', lock.resource, lock.owner];
    },
    () => ['log', 'crash.note', JSON.stringify({ n })],
  ];
  return pick(choices)();
}

const hasJournal = (dir) => {
  const path = join(dir, '.orc/journal/commit.journal');
  return existsSync(path) && statSync(path).size > 0; // emptied when its commit is done
};

test(`${KILLS} processes killed inside the lock leave every change with its event (seed ${SEED})`, {
  timeout: 300_000,
}, async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  for (const agent of AGENTS) orcJson(dir, ['a', 'register', agent]);
  for (let i = 0; i < 4; i++) orcJson(dir, ['t', 'add', 'build', `seed ${i}`]);

  const killedAt = new Map();
  let kills = 0;
  let randomKills = 0;
  let trials = 0;
  const unreachable = new Set();
  for (let n = 0; kills < KILLS; n++) {
    const args = ['--dir', dir, '--json', ...chooseMutation(dir, n)];
    const bystander =
      random() < 0.3 ? orcAsync(['--dir', dir, '--json', ...chooseMutation(dir, n + 0.5)]) : undefined;
    if (random() < 0.1) {
      // A kill at a random moment: before, inside or after the critical section.
      const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 40 + random() * 160);
      await exited;
      clearTimeout(timer);
      randomKills++;
    } else {
      // A mutation that succeeded without reaching its point (a single write never reaches
      // commit:wrote-2) is not given that point again, so that most trials end in a kill.
      const op = args.slice(3, 5).join(' ');
      const reachable = COMMIT_POINTS.filter((p) => !unreachable.has(`${op} ${p}`));
      const point = hasJournal(dir) && random() < 0.5 ? pick(RECOVERY_POINTS) : pick(reachable);
      const victim = orcPausedAt(args, point);
      if (await victim.paused) {
        victim.child.kill('SIGKILL');
        kills++;
        killedAt.set(point, (killedAt.get(point) ?? 0) + 1);
      }
      const result = await victim.done;
      if (result.code === 0 && point.startsWith('commit:')) unreachable.add(`${op} ${point}`);
    }
    trials = n + 1;
    if (bystander) {
      const result = await bystander;
      // It waited for the victim's lock and went on once the victim was dead: never BUSY, never torn.
      assert.notEqual(result.code, 7, `a bystander was kept out: ${result.stderr}`);
      assert.ok([0, 3, 4, 8].includes(result.code), `bystander: exit ${result.code}: ${result.stderr}`);
    }
  }
  t.diagnostic(
    `${trials} trials; kills inside the lock: ${JSON.stringify(Object.fromEntries(killedAt))}; at random moments: ${randomKills}`,
  );
  for (const point of ['commit:journaled', 'commit:wrote-1', 'commit:applied', 'commit:logged']) {
    assert.ok((killedAt.get(point) ?? 0) > 0, `some kills land at ${point}`);
  }

  // Before repair, doctor reports only what kills leave: an interrupted commit, an unfinished write.
  const before = orc(['--dir', dir, '--json', 'doctor']);
  const found = before.code === 0 ? [] : JSON.parse(before.stdout).problems;
  for (const problem of found) {
    assert.ok(['INCOMPLETE_COMMIT', 'ORPHAN_FILE'].includes(problem.code), JSON.stringify(problem));
  }
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  const after = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.deepEqual(JSON.parse(after.stdout).problems, []);

  assertConsistent(dir);
});

/** Every file parses, and the board is what its events say, record by record. */
function assertConsistent(dir) {
  const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  const events = lines.map((line) => JSON.parse(line));
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'each event once');
  const about = (subject, prefix) => events.filter((e) => e.subject === subject && e.type.startsWith(prefix));

  const tasks = records(dir, 'tasks');
  const added = events.filter((e) => e.type === 'task.added');
  assert.deepEqual(
    added.map((e) => e.subject).sort(),
    tasks.map((t) => t.id).sort(),
    'a task per task.added',
  );
  for (const task of tasks) {
    const history = about(task.id, 'task.').filter((e) => e.type !== 'task.lease_expired');
    const last = history.at(-1);
    const claims = history.filter((e) => e.type === 'task.claimed');
    assert.equal(task.attempts, claims.length, `${task.id}: one task.claimed per attempt`);
    const expected = {
      'task.added': 'open',
      'task.claimed': 'claimed',
      'task.renewed': 'claimed',
      'task.released': 'open',
      'task.completed': 'done',
    }[last.type];
    assert.equal(task.status, expected, `${task.id}: status after ${last.type}`);
    if (task.status === 'claimed') {
      const grant = claims.at(-1);
      assert.equal(task.claim.agent, grant.data.agent, `${task.id}: claimed by whom task.claimed says`);
      if (last.type === 'task.claimed') assert.equal(task.claim.expiresAt, grant.data.expiresAt);
    } else {
      assert.equal(task.claim, null, `${task.id}: no claim once ${task.status}`);
    }
  }

  const agents = new Set(records(dir, 'agents').map((a) => a.id));
  for (const id of AGENTS) {
    const last = about(id, 'agent.')
      .filter((e) => e.type !== 'agent.heartbeat')
      .at(-1);
    assert.equal(agents.has(id), last.type !== 'agent.unregistered', `agent ${id} after ${last.type}`);
  }
  for (const task of tasks.filter((t) => t.status === 'claimed')) {
    assert.ok(agents.has(task.claim.agent), `${task.id} is claimed by a registered agent`);
  }

  const locks = new Map(records(dir, 'locks').map((l) => [l.resource, l]));
  for (const resource of RESOURCES) {
    const last = about(resource, 'lock.').at(-1);
    const held = locks.get(resource);
    if (!last) {
      assert.equal(held, undefined);
      continue;
    }
    const count = last.type === 'lock.force_released' ? 0 : last.data.count;
    assert.equal(held?.count ?? 0, count, `lock ${resource}: count after ${last.type}`);
    if (held) assert.equal(held.owner, last.data.owner);
  }
}
