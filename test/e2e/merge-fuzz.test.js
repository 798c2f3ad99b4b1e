// Merges many random pairs of branches and checks that no task or event is lost or duplicated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acquireLock,
  addTask,
  claimTask,
  completeTask,
  findWorkspace,
  listTasks,
  logEvent,
  readEvents,
  registerAgent,
  updateTask,
} from '../../dist/lib/index.js';
import { commitAll, git, merge, repoWorkspace, seededRandom as random } from '../git-helpers.js';
import { orc } from '../helpers.js';

async function randomOps(ws, rand, side, round) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const count = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < count; i++) {
    const open = await listTasks(ws, { status: 'open' });
    const op = Math.floor(rand() * 6);
    if (op === 0 || open.length === 0)
      await addTask(ws, { workstream: 'build', title: `${side}${round}.${i}` });
    else if (op === 1) await completeTask(ws, pick(open).id, `${side} did it`);
    else if (op === 2) await claimTask(ws, pick(open).id, side === 'A' ? 'a1' : 'b1');
    else if (op === 3)
      await updateTask(ws, pick(open).id, {
        title: `edited by ${side}${round}`,
        priority: Math.floor(rand() * 9),
      });
    else if (op === 4) await registerAgent(ws, { id: `${side}-agent-${round}` });
    else
      await acquireLock(ws, `${side}-${round}-${i}`, 'a1').catch(() => logEvent(ws, { type: 'fuzz.note' }));
  }
}

test('fuzz: 30 random branch pairs merge with no conflict, no lost and no duplicated task or event', {
  timeout: 240_000,
}, async (t) => {
  const dir = repoWorkspace(t);
  const ws = findWorkspace({ dir });
  const rand = random(20261123);
  let merges = 0;
  for (let round = 0; round < 30; round++) {
    git(dir, 'checkout', '-q', '-b', `a${round}`);
    await randomOps(ws, rand, 'A', round);
    commitAll(dir, `a${round}`);
    const tasksA = (await listTasks(ws)).map((x) => x.id);
    const eventsA = (await readEvents(ws)).events.map((e) => e.id);
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'checkout', '-q', '-b', `b${round}`);
    await randomOps(ws, rand, 'B', round);
    commitAll(dir, `b${round}`);
    const tasksB = (await listTasks(ws)).map((x) => x.id);
    const eventsB = (await readEvents(ws)).events.map((e) => e.id);
    git(dir, 'checkout', '-q', 'main');
    assert.equal(merge(dir, `a${round}`), 0, `round ${round}: merge A`);
    assert.equal(merge(dir, `b${round}`), 0, `round ${round}: merge B`);
    merges += 2;
    const tasks = (await listTasks(ws)).map((x) => x.id);
    assert.deepEqual(new Set(tasks), new Set([...tasksA, ...tasksB]), `round ${round}: every task, once`);
    assert.equal(tasks.length, new Set(tasks).size);
    const events = (await readEvents(ws)).events.map((e) => e.id);
    assert.equal(events.length, new Set(events).size, `round ${round}: every event once`);
    assert.deepEqual(new Set(events), new Set([...eventsA, ...eventsB]), `round ${round}: no event lost`);
  }
  const doctor = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  const tasks = await listTasks(ws);
  t.diagnostic(
    `merges: ${merges}, tasks: ${tasks.length}, events: ${(await readEvents(ws)).events.length}, conflicts: 0`,
  );
});
