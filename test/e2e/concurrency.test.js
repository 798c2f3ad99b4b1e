// Real processes racing on one workspace: no lost update, no double claim, no torn file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BIN,
  LIB,
  nodeScript,
  orc,
  orcAsync,
  orcJson,
  readEventsFile,
  sleep,
  tempWorkspace,
} from '../helpers.js';

const PROCESSES = 8;

function shellLoop(dir, count, args) {
  const line = `for i in $(seq 1 ${count}); do "${process.execPath}" "${BIN}" --dir "${dir}" ${args} || exit 1; done`;
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', line], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('8 processes × 25 `t add` leave exactly 200 valid tasks and 200 events', {
  timeout: 180_000,
}, async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) => shellLoop(dir, 25, `t add build "task ${p}-$i"`)),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const files = readdirSync(join(dir, 'state/tasks')).filter((n) => n.endsWith('.json'));
  assert.equal(files.length, 200);
  const titles = new Set(
    files.map((n) => JSON.parse(readFileSync(join(dir, 'state/tasks', n), 'utf8')).title),
  );
  assert.equal(titles.size, 200, 'every title once');
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'task.added').length, 200);
  assert.equal(orcJson(dir, ['t', 'list']).length, 200);
});

test('8 processes racing `t next` on one ready task yield exactly one winner', {
  timeout: 60_000,
}, async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const task = orcJson(dir, ['t', 'add', 'build', 'the only one']);
  for (let i = 0; i < PROCESSES; i++) orcJson(dir, ['a', 'register', `agent-${i}`]);
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, i) =>
      orcAsync(['--dir', dir, '--json', 't', 'next', `agent-${i}`]),
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const winners = runs.map((run) => JSON.parse(run.stdout)).filter((result) => result !== null);
  assert.equal(winners.length, 1);
  assert.equal(winners[0].id, task.id);
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'task.claimed').length, 1);
});

test('8 processes racing for one lock yield one holder', { timeout: 60_000 }, async (t) => {
  const dir = tempWorkspace(t);
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, i) =>
      orcAsync(['--dir', dir, '--json', 'lock', 'acquire', 'deploy', `agent-${i}`]),
    ),
  );
  const holders = runs.filter((run) => run.code === 0);
  assert.equal(holders.length, 1);
  for (const run of runs.filter((r) => r.code !== 0)) {
    assert.equal(run.code, 4);
    assert.match(JSON.parse(run.stderr).error.message, /is held by agent-/);
  }
  const [lock] = orcJson(dir, ['lock', 'list']);
  assert.equal(lock.owner, JSON.parse(holders[0].stdout).owner);
});

test('library: 8 processes racing nextTask over 40 tasks claim each exactly once', {
  timeout: 60_000,
}, async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  for (let i = 0; i < PROCESSES; i++) orcJson(dir, ['a', 'register', `agent-${i}`]);
  const { addTask, findWorkspace } = await import('../../dist/lib/index.js');
  const ws = findWorkspace({ dir });
  for (let i = 0; i < 40; i++) await addTask(ws, { workstream: 'build', title: `t${i}` });
  const worker = (i) => `
    import { findWorkspace, nextTask } from ${JSON.stringify(LIB)};
    const ws = findWorkspace({ dir: ${JSON.stringify(dir)} });
    const got = [];
    for (;;) { const task = await nextTask(ws, { agent: 'agent-${i}', another: true }); if (!task) break; got.push(task.id); }
    console.log(JSON.stringify(got));`;
  const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => nodeScript(worker(i))));
  const claimed = runs.flatMap((run) => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  });
  assert.equal(claimed.length, 40);
  assert.equal(new Set(claimed).size, 40, 'no task was handed out twice');
});

test('a writer killed with SIGKILL mid-run leaves every file parseable, and the next command works', {
  timeout: 60_000,
}, async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  const source = `
    import { addTask, completeTask, findWorkspace, nextTask } from ${JSON.stringify(LIB)};
    const ws = findWorkspace({ dir: ${JSON.stringify(dir)} });
    for (let i = 0; ; i++) {
      await addTask(ws, { workstream: 'build', title: 'x'.repeat(150) + i, description: 'y'.repeat(20000) });
      const task = await nextTask(ws, { agent: 'a1' });
      if (task) await completeTask(ws, task.id, 'r'.repeat(5000), { agent: 'a1' });
    }`;
  let child;
  const done = nodeScript(source, {
    onSpawn: (c) => {
      child = c;
    },
  });
  await sleep(1500);
  child.kill('SIGKILL');
  const outcome = await done;
  assert.equal(outcome.signal, 'SIGKILL', outcome.stderr);
  const tasksDir = join(dir, 'state/tasks');
  const names = readdirSync(tasksDir);
  assert.ok(names.length > 3, 'the writer got some work done');
  for (const name of names.filter((n) => !n.startsWith('.'))) {
    assert.doesNotThrow(() => JSON.parse(readFileSync(join(tasksDir, name), 'utf8')), name);
  }
  const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line));
  // The killed holder's lock is taken over (its owner is dead), and the next command succeeds.
  const after = orc(['--dir', dir, '--json', 't', 'add', 'build', 'after the crash']);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(statSync(join(dir, 'state/tasks', `${after.json().id}.json`)).isFile(), true);
  assert.equal(orc(['--dir', dir, 'status']).code, 0);
});
