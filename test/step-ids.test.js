import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePlan } from '../dist/lib/index.js';
import { orc, orcAsync, snapshot, tempDir } from './helpers.js';
import { runWorkspace } from './run-helpers.js';

// Step ids become file names (`state/runs/<run>/<step>.out`): from a model, a flow or a merge they are
// held to the same rule as names a person types.

test('validatePlan refuses a step id that is not a name', () => {
  const config = { agents: [{ id: 'echo' }] };
  for (const id of ['../../../../tmp/x', 'a/b', '.hidden', 'a..b', 'x'.repeat(65), 'bad\nid']) {
    const problems = validatePlan(
      { source: 'llm', steps: [{ id, agent: 'echo', task: 't', deps: [] }] },
      config,
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0], /^step id .* is not a valid name/);
  }
  assert.deepEqual(
    validatePlan({ source: 'llm', steps: [{ id: 's_1.a-b', agent: 'echo', task: 't', deps: [] }] }, config),
    [],
  );
});

test('an LLM plan with a hostile step id is refused (exit 2); nothing is written, inside or outside', async (t) => {
  const outside = tempDir(t, 'orc-outside-');
  const hostile = `../../../../../../../../../../${outside.slice(1)}/pwned`;
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm(() =>
    JSON.stringify({
      steps: [{ id: hostile, agent: 'echo', task: `print ${'x'.repeat(50_000)}`, deps: [] }],
    }),
  );
  t.after(() => server.close());
  const { dir } = runWorkspace(t, '  []', '');
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    `${readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n')}providers:\n  local:\n    api_key: sk-x\n    base_url: ${server.url}\n    model: m\n    max_retries: 0\n`,
  );
  const before = snapshot(dir);
  const run = await orcAsync(['--dir', dir, 'run', 'do the thing']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /the LLM planner gave no valid plan in 3 rounds: step id ".*pwned" is not a valid name/,
  );
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.equal(server.requests.length, 3, 'the model was asked again with the problem');
  assert.deepEqual(readdirSync(outside), []);
  assert.equal(snapshot(dir), before, 'nothing stored changed');
});

test('a flow with a step id that is not a name is refused by config check and by orc run', (t) => {
  const { dir } = runWorkspace(
    t,
    '  - id: bad\n    steps:\n      - { id: "../../x", agent: echo, task: go }',
  );
  const check = orc(['--dir', dir, 'config', 'check']);
  assert.equal(check.code, 2, check.stdout);
  assert.match(
    `${check.stdout}${check.stderr}`,
    /flows\[0\]\.steps\[0\]\.id: "\.\.\/\.\.\/x" is not a valid name/,
  );
  const before = snapshot(dir);
  const run = orc(['--dir', dir, 'run', '--flow', 'bad', 'go']);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(snapshot(dir), before);
});

test('a run file with a hostile step id or output file (from a merge) is CORRUPT, never followed', (t) => {
  const { dir } = runWorkspace(t, '  - id: one\n    steps:\n      - { id: s, agent: echo, task: go }');
  const done = orc(['--dir', dir, '--json', 'run', '--flow', 'one', 'go']);
  assert.equal(done.code, 0, done.stderr);
  const id = done.json().id;
  const file = join(dir, 'state', 'runs', `${id}.json`);
  const good = readFileSync(file, 'utf8');
  const cases = [
    [
      (r) => {
        r.steps[0].id = '../../../tmp/x';
      },
      /steps\[0\]\.id: must be a name/,
    ],
    [
      (r) => {
        r.steps[0].deps = ['a/b'];
      },
      /steps\[0\]\.deps\[0\]: must be a name/,
    ],
    [
      (r) => {
        r.payload = { '../k': 'v' };
      },
      /payload\.\.\.\/k: must be a name/,
    ],
  ];
  for (const [spoil, field] of cases) {
    const run = JSON.parse(good);
    spoil(run);
    writeFileSync(file, JSON.stringify(run));
    const status = orc(['--dir', dir, 'run', 'status', id]);
    assert.equal(status.code, 6, status.stderr);
    assert.match(status.stderr, field);
  }
  writeFileSync(file, good);
  // A step's state is in its own file (format 2): its output file is held to the run's folder too.
  const stepFile = join(dir, 'state', 'runs', id, 'steps', 's.json');
  const step = JSON.parse(readFileSync(stepFile, 'utf8'));
  writeFileSync(stepFile, JSON.stringify({ ...step, outputFile: 'orchestrator.yaml' }));
  const status = orc(['--dir', dir, 'run', 'status', id]);
  assert.equal(status.code, 6, status.stderr);
  assert.match(status.stderr, /steps\/s\.json: outputFile: must be null or state\/runs\//);
  writeFileSync(stepFile, JSON.stringify({ ...step, id: '../../../tmp/x' }));
  const renamed = orc(['--dir', dir, 'run', 'status', id]);
  assert.equal(renamed.code, 6, renamed.stderr);
  assert.match(renamed.stderr, /id: must be a name/);
  assert.ok(!existsSync('/tmp/x.out'));
});

test('a payload key that is not a name is refused before planning (exit 2), nothing stored', (t) => {
  const { dir } = runWorkspace(
    t,
    '  - id: one\n    steps:\n      - { id: s, agent: echo, task: "go {{payload.k}}" }',
  );
  const before = snapshot(dir);
  const run = orc(['--dir', dir, 'run', '--flow', 'one', '--payload', 'k=1', '--payload', '../k=2', 'go']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /payload key "\.\.\/k" is not a valid name/);
  assert.equal(snapshot(dir), before);
});

test('a flow id that is not a name is refused by config check', (t) => {
  const { dir } = runWorkspace(
    t,
    '  - id: "bad flow/x"\n    steps:\n      - { id: s, agent: echo, task: go }',
  );
  const check = orc(['--dir', dir, 'config', 'check']);
  assert.equal(check.code, 2, check.stdout);
  assert.match(`${check.stdout}${check.stderr}`, /flows\[0\]\.id: "bad flow\/x" is not a valid name/);
});
