import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchingPolicies } from '../dist/lib/runs/policies.js';
import { orc, orcAsync, orcJson, readEventsFile, snapshot } from './helpers.js';
import { AGENTS, runWorkspace, stepStatus, waitForRun } from './run-helpers.js';

const rule = (match, extra = {}) => ({
  v: 1,
  id: 'p-1',
  match,
  effect: 'gate',
  gate: 'after',
  reason: 'r',
  ...extra,
});

test('matchingPolicies: every matcher must hold; keywords match whole words, any of them', () => {
  const agent = { id: 'ops', capabilities: ['deploy'], domain: 'prod' };
  const step = { agent: 'ops', task: 'Deploy the API to production' };
  assert.equal(matchingPolicies([rule({ agent: 'ops' })], step, agent).length, 1);
  assert.equal(matchingPolicies([rule({ agent: 'ops', domain: 'staging' })], step, agent).length, 0);
  assert.equal(matchingPolicies([rule({ capability: 'deploy' })], step, agent).length, 1);
  assert.equal(matchingPolicies([rule({ keywords: ['rollback', 'deploy'] })], step, agent).length, 1);
  assert.equal(
    matchingPolicies([rule({ keywords: ['dep'] })], step, agent).length,
    0,
    'a word, not a substring',
  );
  assert.equal(matchingPolicies([rule({ regex: 'to prod' })], step, agent).length, 1);
});

test('orc policy add | list | show | rm, with bad input refused and nothing written', (t) => {
  const { dir } = runWorkspace(t, '  []');
  const before = snapshot(dir);
  for (const [args, pattern] of [
    [['policy', 'add', '--reason', 'x'], /at least one matcher/],
    [['policy', 'add', '--regex', '([', '--reason', 'x'], /not a valid regular expression/],
    [['policy', 'add', '--agent', 'a', '--gate', 'sometimes', '--reason', 'x'], /before or after/],
    [['policy', 'add', '--agent', 'a'], /required option '--reason/],
  ]) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, pattern);
  }
  assert.equal(snapshot(dir), before);
  const added = orcJson(dir, [
    'policy',
    'add',
    '--keyword',
    'deploy',
    '--gate',
    'before',
    '--reason',
    'deploys need a human',
  ]);
  assert.match(added.id, /^p-/);
  assert.deepEqual(
    orcJson(dir, ['policy', 'list']).map((r) => r.id),
    [added.id],
  );
  assert.equal(orcJson(dir, ['policy', 'show', added.id]).reason, 'deploys need a human');
  assert.equal(orcJson(dir, ['policy', 'rm', added.id, '--reason', 'obsolete']).removed, added.id);
  assert.deepEqual(orcJson(dir, ['policy', 'list']), []);
  assert.deepEqual(
    readEventsFile(dir)
      .filter((e) => e.type.startsWith('policy.'))
      .map((e) => e.type),
    ['policy.added', 'policy.removed'],
  );
});

test('a rule gates a step of an LLM plan that said no gate, and run status names the rule', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm(
    () =>
      '{"steps":[{"id":"build","agent":"counter","task":"build it","deps":[]},{"id":"ship","agent":"echo","task":"deploy to production","deps":["build"],"gate":false}]}',
  );
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    '  []',
    `providers:\n  local: { base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n'),
  );
  const added = orcJson(dir, [
    'policy',
    'add',
    '--regex',
    'deploy|production',
    '--reason',
    'anything touching production is reviewed',
  ]);
  const run = await orcAsync(['--dir', dir, '--json', 'run', 'build and ship']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.plan.source, 'llm');
  assert.deepEqual(stepStatus(result), { build: 'done', ship: 'waiting_approval' });
  assert.deepEqual(result.steps[1].gate, {
    mode: 'after',
    source: 'policy',
    criteria: 'anything touching production is reviewed',
    rule: added.id,
  });
  assert.match(
    orc(['--dir', dir, 'run', 'status', result.id]).stdout,
    new RegExp(`ship gated by policy rule ${added.id}`),
  );
});

test('a forbid rule refuses a plan that gives a matching step to the agent; nothing is created', (t) => {
  const { dir } = runWorkspace(
    t,
    '  - id: risky\n    steps:\n      - { id: s, agent: failer, task: drop the database }',
  );
  orcJson(dir, [
    'policy',
    'add',
    '--agent',
    'failer',
    '--keyword',
    'drop',
    '--forbid',
    '--reason',
    'never let failer drop things',
  ]);
  const before = snapshot(dir);
  const run = orc(['--dir', dir, 'run', '--flow', 'risky', 'go']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /policy p-\w+ forbids agent failer for step s: never let failer drop things/);
  assert.equal(snapshot(dir), before, 'no run, no board tasks, no events');
});

test('the LLM planner is told about forbid rules and repairs its plan around them', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const plans = [
    '{"steps":[{"id":"s1","agent":"failer","task":"drop the old table","deps":[]}]}',
    '{"steps":[{"id":"s1","agent":"echo","task":"drop the old table","deps":[]}]}',
  ];
  const server = await startFakeLlm((_body, i) => plans[Math.min(i, 1)]);
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    '  []',
    `providers:\n  local: { base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n'),
  );
  const rule = orcJson(dir, [
    'policy',
    'add',
    '--agent',
    'failer',
    '--keyword',
    'drop',
    '--forbid',
    '--reason',
    'no dropping for failer',
  ]);
  const run = await orcAsync(['--dir', dir, '--json', 'run', 'clean up the schema']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).steps[0].agent, 'echo');
  const planning = server.requests.filter((r) => r.body.messages[0].content.startsWith('You plan work'));
  assert.equal(planning.length, 2, 'one repair round');
  assert.match(
    JSON.stringify(planning[1].body.messages.at(-1)),
    new RegExp(`policy ${rule.id} forbids agent failer for step s1`),
  );
});

test('removing a rule looks it up under the lock: two removals at once remove it once', async (t) => {
  const { addPolicy, findWorkspace, listPolicies, removePolicy } = await import('../dist/lib/index.js');
  const { tempWorkspace, rejects } = await import('./helpers.js');
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  const rule = await addPolicy(ws, { match: { agent: 'x' }, reason: 'review x' });
  const now = new Date('2030-01-02T03:04:05.000Z');
  const results = await Promise.allSettled(
    [1, 2].map(() => removePolicy(ws, rule.id, { reason: 'done', now })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(results.find((r) => r.status === 'rejected').reason.code, 'NOT_FOUND');
  assert.deepEqual(await listPolicies(ws), []);
  const removed = readEventsFile(dir).filter((e) => e.type === 'policy.removed');
  assert.deepEqual(
    removed.map((e) => [e.subject, e.ts, e.data.reason]),
    [[rule.id, now.toISOString(), 'done']],
  );
  const before = snapshot(dir);
  await rejects(removePolicy(ws, rule.id), 'NOT_FOUND', /not found/);
  assert.equal(snapshot(dir), before, 'nothing changes when the rule is gone');
});

test('resolveStepGates keeps every gate: a policy before gate and the agent after gate, each with its criteria', async () => {
  const { resolveStepGates } = await import('../dist/lib/runs/index.js');
  const writer = {
    id: 'writer',
    gate: 'after',
    gateCriteria: 'accurate and under 200 words',
    capabilities: [],
  };
  const policy = rule(
    { agent: 'writer' },
    { id: 'p-9', gate: 'before', reason: 'writers are reviewed first' },
  );
  assert.deepEqual(resolveStepGates(writer, undefined, undefined, [policy]), {
    gate: { mode: 'before', source: 'policy', criteria: 'writers are reviewed first', rule: 'p-9' },
    afterGate: { mode: 'after', source: 'agent', criteria: 'accurate and under 200 words' },
  });
  assert.deepEqual(resolveStepGates(writer, undefined, 'before'), {
    gate: { mode: 'before', source: 'plan', criteria: 'accurate and under 200 words' },
    afterGate: { mode: 'after', source: 'agent', criteria: 'accurate and under 200 words' },
  });
  assert.deepEqual(resolveStepGates(writer, undefined, undefined), {
    gate: { mode: 'after', source: 'agent', criteria: 'accurate and under 200 words' },
    afterGate: null,
  });
});

test('a writer with gate: true and a policy before gate waits before it runs and again with its output', async (t) => {
  const { dir, counts } = runWorkspace(
    t,
    '  []',
    `  - id: writer
    name: Writer
    description: writes summaries
    capabilities: [writing]
    command: ${JSON.stringify([process.execPath, join(AGENTS, 'count.js'), 'COUNTS', '0'])}
    gate: true
    gate_criteria: accurate and under 200 words`.replace('COUNTS', '__counts__'),
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(yamlFile, readFileSync(yamlFile, 'utf8').replace('__counts__', counts));
  const added = orcJson(dir, [
    'policy',
    'add',
    '--agent',
    'writer',
    '--gate',
    'before',
    '--reason',
    'writers are reviewed first',
  ]);
  const run = orcJson(dir, ['run', 'write a summary']);
  assert.equal(run.steps[0].agent, 'writer');
  assert.deepEqual(stepStatus(run), { s1: 'waiting_approval' });
  assert.equal(run.steps[0].output, null, 'held before it ran');
  assert.equal(run.steps[0].gate.criteria, 'writers are reviewed first');
  assert.equal(run.steps[0].gate.rule, added.id);
  assert.equal(run.steps[0].afterGate.criteria, 'accurate and under 200 words');
  assert.equal(orc(['--dir', dir, 'approve', run.id, 's1', '--actor', 'ann']).code, 0);
  const held = await waitForRun(dir, run.id, (r) => r.steps[0].output !== null);
  assert.equal(held.status, 'waiting_approval', 'its output is held for review');
  assert.equal(held.steps[0].status, 'waiting_approval');
  assert.equal(orc(['--dir', dir, 'approve', run.id, 's1', '--actor', 'bob']).code, 0);
  const done = await waitForRun(dir, run.id, (r) => r.status === 'complete');
  assert.equal(done.steps[0].decision.by, 'bob');
  const waits = readEventsFile(dir).filter((e) => e.type === 'run.step_waiting');
  assert.deepEqual(
    waits.map((e) => [e.data.when, e.data.gate.criteria]),
    [
      ['before', 'writers are reviewed first'],
      ['after', 'accurate and under 200 words'],
    ],
  );
  const approvals = readEventsFile(dir).filter((e) => e.type === 'run.step_approved');
  assert.deepEqual(
    approvals.map((e) => [e.data.when, e.data.rule ?? null]),
    [
      ['before', added.id],
      ['after', null],
    ],
  );
});
