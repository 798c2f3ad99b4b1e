// A run's files (format 2): a header with the plan, and one file per step that has moved. A step
// transition writes that step's file (and its board task), never the run; old single-file runs load,
// migrate when next written and resume; two branches that moved different steps merge cleanly; doctor
// checks step files as records.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitAll, git, merge, repoWorkspace } from './git-helpers.js';
import { orc, orcJson } from './helpers.js';
import { executions, runWorkspace, stepStatus } from './run-helpers.js';

const lib = await import('../dist/lib/index.js');
const runs = await import('../dist/lib/runs/index.js');

const FLOW = `  - id: four
    steps:
      - { id: a, agent: counter, task: one }
      - { id: b, agent: counter, task: two }
      - { id: c, agent: counter, task: three, deps: [a] }
      - { id: d, agent: counter, task: four, deps: [b, c] }`;

async function newRun(dir) {
  const ws = lib.findWorkspace({ dir });
  const config = lib.loadOrchestratorConfig(ws);
  const run = await lib.createRun(ws, { task: 'go', plan: lib.planFromFlow(config.flows[0], {}), config });
  return { ws, run };
}

/** Inode and mtime: an atomic rewrite of the file changes both. */
const stampOf = (path) => {
  const s = statSync(path, { bigint: true });
  return `${s.ino}:${s.mtimeNs}`;
};

test('a step transition writes that step file only: not the run header, not the other steps', async (t) => {
  const { dir } = runWorkspace(t, FLOW);
  const { ws, run } = await newRun(dir);
  const header = join(dir, 'state', 'runs', `${run.id}.json`);
  const steps = join(dir, 'state', 'runs', run.id, 'steps');
  assert.equal(JSON.parse(readFileSync(header, 'utf8')).v, 2);
  assert.ok(!existsSync(steps), 'no step has moved: no step file');
  const headerBefore = stampOf(header);

  const tracker = runs.RunTracker.open(ws, run.id);
  const started = await tracker.start(['a', 'b', 'c'], 'tester');
  assert.deepEqual(
    started.map((s) => s.id),
    ['a', 'b'],
    'c waits for a',
  );
  assert.deepEqual(readdirSync(steps).sort(), ['a.json', 'b.json']);
  const b = stampOf(join(steps, 'b.json'));
  const a = stampOf(join(steps, 'a.json'));

  await tracker.settle([{ step: 'a', output: 'A' }], 'tester');
  assert.notEqual(stampOf(join(steps, 'a.json')), a, "a's file was written");
  assert.equal(stampOf(join(steps, 'b.json')), b, "b's file was not");
  assert.equal(stampOf(header), headerBefore, 'nor the header: the run is still running');
  assert.deepEqual(readdirSync(steps).sort(), ['a.json', 'b.json']);

  // The same through the library's own calls (which read the whole run, and write what moved).
  const aDone = stampOf(join(steps, 'a.json'));
  await runs.settleSteps(ws, run.id, [{ step: 'b', output: 'B' }], 'tester');
  assert.equal(stampOf(join(steps, 'a.json')), aDone);
  assert.equal(stampOf(header), headerBefore);

  const read = runs.getRun(ws, run.id);
  assert.deepEqual(stepStatus(read), { a: 'done', b: 'done', c: 'pending', d: 'pending' });
  assert.equal(read.status, 'running');
  assert.equal(read.steps[0].output, 'A');
  assert.equal(read.updatedAt, JSON.parse(readFileSync(join(steps, 'b.json'), 'utf8')).updatedAt);
  // The step file holds the step's state only; the plan (agent, task, deps) is the header's.
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(steps, 'a.json'), 'utf8'))).sort(), [
    'attempts',
    'decision',
    'endedAt',
    'error',
    'id',
    'output',
    'outputFile',
    'startedAt',
    'status',
    'updatedAt',
    'v',
  ]);

  // A cancel (someone other than the runner) rewrites the header: the runner sees it by the header alone.
  await runs.cancelRun(ws, run.id, { actor: 'tester' });
  assert.notEqual(stampOf(header), headerBefore);
  assert.equal(tracker.poll().status, 'cancelled');
  assert.deepEqual(await tracker.start(['c'], 'tester'), [], 'nothing starts in a cancelled run');
});

test('a run of the old format (one file) is read as it is, migrated when next written, and resumes', async (t) => {
  const { dir, counts } = runWorkspace(t, FLOW);
  const { ws, run } = await newRun(dir);
  const header = join(dir, 'state', 'runs', `${run.id}.json`);
  const at = '2026-01-01T00:00:00.000Z';
  // As format 1 left it when its runner was killed: a done, b running, c and d pending.
  const old = { ...runs.getRun(ws, run.id), v: 1, updatedAt: at };
  const [a, b] = old.steps;
  Object.assign(a, { status: 'done', attempts: 1, output: 'old a', startedAt: at, endedAt: at });
  Object.assign(b, { status: 'running', attempts: 1, startedAt: at });
  writeFileSync(header, `${JSON.stringify(old, null, 2)}\n`);

  const status = orcJson(dir, ['run', 'status', run.id]);
  assert.equal(status.v, 1);
  assert.deepEqual(stepStatus(status), { a: 'done', b: 'running', c: 'pending', d: 'pending' });

  const resumed = orc(['--dir', dir, 'run', 'resume', run.id]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const done = orcJson(dir, ['run', 'status', run.id]);
  assert.equal(done.status, 'complete');
  assert.equal(done.v, 2);
  assert.equal(done.steps[0].output, 'old a', 'a done step is kept, never run again');
  assert.equal(done.steps[1].attempts, 2, 'the step left running ran again');
  assert.deepEqual(executions(counts), { b: 1, c: 1, d: 1 });
  const stored = JSON.parse(readFileSync(header, 'utf8'));
  assert.equal(stored.v, 2);
  assert.equal(stored.steps[0].status, undefined, "the header holds the plan, not the steps' state");
  assert.deepEqual(readdirSync(join(dir, 'state', 'runs', run.id, 'steps')).sort(), [
    'a.json',
    'b.json',
    'c.json',
    'd.json',
  ]);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0, 'doctor finds nothing wrong with the new layout');
});

test('two branches that moved different steps of a run merge without a conflict; the run has both', async (t) => {
  const dir = repoWorkspace(t);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: counter, name: c, description: d, command: ["true"] }\nflows:\n${FLOW}\n`,
  );
  const { ws, run } = await newRun(dir);
  await runs.startSteps(ws, run.id, ['a', 'b'], 'tester');
  commitAll(dir, 'run started');
  git(dir, 'checkout', '-q', '-b', 'side');
  await runs.settleSteps(ws, run.id, [{ step: 'a', output: 'from side' }], 'side');
  commitAll(dir, 'a done on side');
  git(dir, 'checkout', '-q', 'main');
  await runs.settleSteps(ws, run.id, [{ step: 'b', output: 'from main' }], 'main');
  commitAll(dir, 'b done on main');
  assert.equal(merge(dir, 'side'), 0, 'merged cleanly');
  const merged = runs.getRun(ws, run.id);
  assert.deepEqual(stepStatus(merged), { a: 'done', b: 'done', c: 'pending', d: 'pending' });
  assert.deepEqual([merged.steps[0].output, merged.steps[1].output], ['from side', 'from main']);
  assert.equal(git(dir, 'status', '--porcelain').trim(), '');
});

test('the merge driver merges a step file both branches moved (the later wins); doctor checks step files', async (t) => {
  const dir = repoWorkspace(t);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: counter, name: c, description: d, command: ["true"] }\nflows:\n${FLOW}\n`,
  );
  const { ws, run } = await newRun(dir);
  await runs.startSteps(ws, run.id, ['a'], 'tester');
  commitAll(dir, 'run started');
  git(dir, 'checkout', '-q', '-b', 'side');
  await runs.failStep(ws, run.id, 'a', 'boom on side', 'side');
  commitAll(dir, 'a failed on side');
  git(dir, 'checkout', '-q', 'main');
  await runs.settleSteps(ws, run.id, [{ step: 'a', output: 'fine' }], 'main');
  commitAll(dir, 'a done on main');
  assert.equal(merge(dir, 'side'), 0, 'the driver merged a.json');
  const a = runs.getRun(ws, run.id).steps[0];
  assert.deepEqual(
    [a.status, a.output, a.error],
    ['done', 'fine', null],
    'the version that moved last, whole',
  );

  const steps = join(dir, 'state', 'runs', run.id, 'steps');
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0, orc(['--dir', dir, 'doctor']).stdout);
  writeFileSync(join(steps, 'b.json'), '{"v": 2, "id": "b", "status": "finished"}\n');
  writeFileSync(join(steps, 'notes.txt'), 'hello\n');
  writeFileSync(
    join(steps, 'zz.json'),
    readFileSync(join(steps, 'a.json'), 'utf8').replace('"id": "a"', '"id": "zz"'),
  );
  const doctor = orc(['--dir', dir, '--json', 'doctor']);
  assert.notEqual(doctor.code, 0);
  const text = doctor.stdout;
  assert.match(text, new RegExp(`state/runs/${run.id}/steps/b\\.json`));
  assert.match(text, /INVALID/);
  assert.match(text, new RegExp(`state/runs/${run.id}/steps/notes\\.txt`));
  assert.match(
    text,
    new RegExp(`state/runs/${run.id}/steps/zz\\.json is the state of a step ${run.id} does not have`),
  );
});
