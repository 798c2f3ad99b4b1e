import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  choosePlan,
  findFlow,
  parsePlanJson,
  planFromFlow,
  planOffline,
  validatePlan,
} from '../dist/lib/runs/planner.js';

const agent = (id, description, capabilities, extra = {}) => ({
  id,
  name: id,
  description,
  capabilities,
  kind: 'external',
  ...extra,
});
const CONFIG = {
  name: 't',
  concurrency: 4,
  providers: {},
  agents: [
    agent('analyst', 'Analyzes data and produces reports', ['analysis', 'metrics']),
    agent('writer', 'Writes documents and summaries', ['writing', 'summary']),
    agent('coder', 'Writes and tests code', ['code', 'tests']),
  ],
  flows: [
    {
      id: 'release',
      trigger: '^release\\b',
      steps: [
        { id: 'build', agent: 'coder', task: 'build {{payload.version}}', deps: [] },
        {
          id: 'notes',
          agent: 'writer',
          task: 'notes for {{payload.version}}',
          deps: ['build'],
          gate: 'after',
        },
      ],
    },
  ],
};

test('flows: picked by id or by trigger, with the payload filled in; a missing key is an error', () => {
  assert.equal(findFlow(CONFIG, 'Release 2.1 now')?.id, 'release');
  assert.equal(findFlow(CONFIG, 'write a report'), undefined);
  assert.throws(
    () => findFlow(CONFIG, 'x', 'nope'),
    (e) => e.code === 'NOT_FOUND',
  );
  const plan = planFromFlow(CONFIG.flows[0], { version: '2.1' });
  assert.deepEqual(
    plan.steps.map((s) => s.task),
    ['build 2.1', 'notes for 2.1'],
  );
  assert.throws(() => planFromFlow(CONFIG.flows[0], {}), /needs payload "version"/);
});

test('the offline planner: groups in sequence, "and" in parallel, each clause to the best-matching agent', () => {
  const plan = planOffline(
    'Analyze the Q1 metrics; then write a summary and write tests for the code.',
    CONFIG,
  );
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.agent, s.deps]),
    [
      ['s1', 'analyst', []],
      ['s2', 'writer', ['s1']],
      ['s3', 'coder', ['s1']],
    ],
  );
  assert.deepEqual(
    planOffline('Analyze the Q1 metrics; then write a summary and write tests for the code.', CONFIG),
    plan,
    'deterministic',
  );
  assert.equal(
    planOffline('something unrelated', CONFIG).steps[0].agent,
    'analyst',
    'ties go to the first agent',
  );
  assert.throws(() => planOffline('x', { ...CONFIG, agents: [] }), /no agents configured/);
});

test('validatePlan names unknown agents, duplicate ids, missing dependencies and cycles', () => {
  const problems = validatePlan(
    {
      source: 'llm',
      steps: [
        { id: 'a', agent: 'ghost', task: 'x', deps: ['b'] },
        { id: 'b', agent: 'writer', task: 'y', deps: ['a'] },
        { id: 'b', agent: 'writer', task: 'z', deps: ['missing'] },
      ],
    },
    CONFIG,
  );
  for (const pattern of [/agent "ghost" is not configured/, /"b" appears twice/, /depends on "missing"/]) {
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${pattern}: ${problems.join(' | ')}`,
    );
  }
  const cyclic = {
    source: 'llm',
    steps: [
      { id: 'a', agent: 'writer', task: 'x', deps: ['b'] },
      { id: 'b', agent: 'writer', task: 'y', deps: ['a'] },
    ],
  };
  assert.deepEqual(validatePlan(cyclic, CONFIG), ['dependency cycle: a → b → a']);
});

test('parsePlanJson reads fenced and chatty replies', () => {
  assert.deepEqual(parsePlanJson('```json\n{"steps":[]}\n```'), { steps: [] });
  assert.deepEqual(parsePlanJson('Sure! Here is the plan: {"steps":[1]} Hope it helps.'), { steps: [1] });
  assert.throws(() => parsePlanJson('no json here'), /did not answer with JSON/);
});

test('planFromFlow: spaces inside {{ }}, a fresh copy of the steps, and no inherited payload keys', () => {
  const flow = {
    id: 'f',
    steps: [{ id: 'a', agent: 'coder', task: 'tag {{ payload.v }} for {{payload.who}}', deps: [] }],
  };
  const plan = planFromFlow(flow, { v: '1.0', who: 'ops' });
  assert.deepEqual(plan, {
    source: 'flow',
    flow: 'f',
    steps: [{ id: 'a', agent: 'coder', task: 'tag 1.0 for ops', deps: [] }],
  });
  assert.notEqual(plan.steps[0].deps, flow.steps[0].deps, 'the flow config is not shared with the plan');
  const proto = {
    id: 'p',
    steps: [{ id: 'a', agent: 'coder', task: 'x {{payload.constructor}}', deps: [] }],
  };
  assert.throws(
    () => planFromFlow(proto, {}),
    (e) => e.code === 'INVALID_INPUT' && /flow p step a needs payload "constructor"/.test(e.message),
  );
});

test('findFlow: case-insensitive triggers, the first matching flow in config order, flows without triggers never match', () => {
  const config = {
    ...CONFIG,
    flows: [
      { id: 'manual', steps: CONFIG.flows[0].steps },
      { id: 'first', trigger: 'deploy', steps: CONFIG.flows[0].steps },
      { id: 'second', trigger: 'DEPLOY now', steps: CONFIG.flows[0].steps },
    ],
  };
  assert.equal(findFlow(config, 'please Deploy now')?.id, 'first');
  assert.equal(findFlow(config, 'manual'), undefined);
  assert.equal(findFlow(config, 'deploy', 'manual')?.id, 'manual', 'an explicit id wins over triggers');
});

test('choosePlan: an explicit flow, else a matching trigger, else offline when no provider is configured', async () => {
  const byId = await choosePlan('analyze the metrics', CONFIG, {
    flowId: 'release',
    payload: { version: '3' },
  });
  assert.deepEqual([byId.source, byId.flow, byId.steps[0].task], ['flow', 'release', 'build 3']);
  const byTrigger = await choosePlan('release now', CONFIG, { payload: { version: '4' } });
  assert.deepEqual([byTrigger.source, byTrigger.flow], ['flow', 'release']);
  const offline = await choosePlan('analyze the metrics', CONFIG);
  assert.deepEqual([offline.source, offline.steps.map((s) => s.agent)], ['offline', ['analyst']]);
  await assert.rejects(choosePlan('x', CONFIG, { flowId: 'ghost' }), (e) => e.code === 'NOT_FOUND');
});

test('the offline planner: line breaks and sentences are groups, leading "then" is trimmed, stems match word forms', () => {
  const plan = planOffline('Analyze sales.\nThen write summaries, and test the code!\nthen tests', CONFIG);
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.agent, s.task, s.deps]),
    [
      ['s1', 'analyst', 'Analyze sales', []],
      ['s2', 'writer', 'write summaries', ['s1']],
      ['s3', 'coder', 'test the code', ['s1']],
      ['s4', 'coder', 'tests', ['s2', 's3']],
    ],
  );
  const kinds = {
    ...CONFIG,
    agents: [
      agent('bot', 'runs scripts', ['scripts'], { kind: 'command' }),
      agent('human', 'reviews designs', ['review']),
    ],
  };
  assert.equal(
    planOffline('review the designs', kinds).steps[0].agent,
    'human',
    'external agents are eligible',
  );
  assert.throws(
    () => planOffline(' ;. \n', CONFIG),
    (e) => e.code === 'INVALID_INPUT' && /nothing to plan/.test(e.message),
  );
});

test('validatePlan: an empty plan, a step without a task, a step that depends on itself', () => {
  assert.deepEqual(validatePlan({ source: 'llm', steps: [] }, CONFIG), ['the plan has no steps']);
  assert.deepEqual(
    validatePlan({ source: 'llm', steps: [{ id: 'a', agent: 'writer', task: ' ', deps: ['a'] }] }, CONFIG),
    ['step "a" has no task', 'dependency cycle: a → a'],
  );
  assert.deepEqual(validatePlan(planOffline('analyze; then write', CONFIG), CONFIG), []);
});

test('parsePlanJson: the object with steps wins, braces inside strings, bare lists, several fences', () => {
  assert.deepEqual(
    parsePlanJson('Use the format {"a":1}. Plan: {"steps":[{"id":"s1","task":"say } and {"}]} done'),
    { steps: [{ id: 's1', task: 'say } and {' }] },
  );
  assert.deepEqual(parsePlanJson('[{"id":"s1"}]'), [{ id: 's1' }]);
  assert.deepEqual(parsePlanJson('```\nnot json\n```\nthen\n```json\n{"steps":[2]}\n```'), { steps: [2] });
  assert.deepEqual(parsePlanJson('only {"other": true} here'), { other: true });
});

test('the offline planner matches word forms by stem: analyze ~ analyzes ~ analyzing, summaries ~ summary', () => {
  const config = {
    ...CONFIG,
    agents: [
      agent('general', 'does things', []),
      agent('numbers', 'Analyzes figures', []),
      agent('docs', 'Keeps the summary', []),
    ],
  };
  assert.deepEqual(
    planOffline('analyze Q1; analyzing Q2; write summaries; something else', config).steps.map(
      (s) => s.agent,
    ),
    ['numbers', 'numbers', 'docs', 'general'],
  );
});

test('the offline planner keeps the stated order: "then", "and then", and an "and" clause that refers back depend', () => {
  const shape = (task) => planOffline(task, CONFIG).steps.map((s) => [s.id, s.agent, s.task, s.deps]);
  assert.deepEqual(shape('analyse the sales data then write a report'), [
    ['s1', 'analyst', 'analyse the sales data', []],
    ['s2', 'analyst', 'write a report', ['s1']],
  ]);
  assert.deepEqual(shape('analyse the sales data and then write the documents'), [
    ['s1', 'analyst', 'analyse the sales data', []],
    ['s2', 'writer', 'write the documents', ['s1']],
  ]);
  assert.deepEqual(shape('analyse the sales data and write a summary of it'), [
    ['s1', 'analyst', 'analyse the sales data', []],
    ['s2', 'writer', 'write a summary of it', ['s1']],
  ]);
  assert.deepEqual(shape('Analyze Q1 sales data and write an executive summary'), [
    ['s1', 'analyst', 'Analyze Q1 sales data', []],
    ['s2', 'writer', 'write an executive summary', ['s1']],
  ]);
  assert.deepEqual(
    shape('Analyze the metrics; write tests for the code and write documents and write a summary of them'),
    [
      ['s1', 'analyst', 'Analyze the metrics', []],
      ['s2', 'coder', 'write tests for the code', ['s1']],
      ['s3', 'writer', 'write documents', ['s1']],
      ['s4', 'writer', 'write a summary of them', ['s2', 's3']],
    ],
    'independent clauses stay parallel; one that refers back waits for those before it',
  );
});
