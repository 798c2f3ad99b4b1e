import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrcError } from '../dist/lib/index.js';
import {
  choosePlan,
  findFlow,
  parsePlanJson,
  planFromFlow,
  planOffline,
  planWithLlm,
  validatePlan,
} from '../dist/lib/planner.js';
import { startFakeLlm } from './fake-llm-server.js';

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

const llmConfig = (url, extra = {}) => ({
  ...CONFIG,
  provider: 'local',
  providers: {
    local: {
      id: 'local',
      baseUrl: url,
      apiKey: 'sk-test-secret',
      model: 'planner',
      maxRetries: 0,
      timeoutMs: 5000,
      ...extra,
    },
  },
});

test('the LLM planner, through the real openai client: fenced JSON works; an invalid plan is repaired in round 2', async (t) => {
  const replies = [
    'Here you go:\n```json\n{"steps":[{"id":"s1","agent":"nobody","task":"analyze","deps":[]}]}\n```',
    '{"steps":[{"id":"s1","agent":"analyst","task":"analyze","deps":[]},{"id":"s2","agent":"writer","task":"summarize","deps":["s1"],"gate":true}]}',
  ];
  const server = await startFakeLlm((_body, i) => replies[Math.min(i, replies.length - 1)]);
  t.after(() => server.close());
  const plan = await planWithLlm('Analyze Q1 and summarize', llmConfig(server.url), {
    knowledge: 'Q1 lives in sales.csv',
  });
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.agent, s.gate]),
    [
      ['s1', 'analyst', undefined],
      ['s2', 'writer', 'after'],
    ],
  );
  assert.equal(server.requests.length, 2);
  const first = JSON.stringify(server.requests[0].body.messages);
  assert.match(first, /analyst: Analyzes data/);
  assert.match(first, /Q1 lives in sales.csv/);
  assert.match(
    JSON.stringify(server.requests[1].body.messages.at(-1)),
    /agent \\"nobody\\" is not configured/,
  );
  assert.equal(server.requests[0].auth, 'Bearer sk-test-secret');
  assert.equal((await choosePlan('Analyze Q1 and summarize', llmConfig(server.url))).source, 'llm');
});

test('the LLM planner gives up after its rounds with one line; a failing provider is PROVIDER_FAILED without the key', async (t) => {
  const junk = await startFakeLlm(() => 'I would rather not.');
  t.after(() => junk.close());
  await assert.rejects(planWithLlm('x', llmConfig(junk.url), { maxRounds: 2 }), /no valid plan in 2 rounds/);
  const broken = await startFakeLlm(() => ({ status: 500 }));
  t.after(() => broken.close());
  await assert.rejects(planWithLlm('x', llmConfig(broken.url)), (e) => {
    assert.ok(e instanceof OrcError && e.code === 'PROVIDER_FAILED', String(e));
    assert.match(e.message, /provider local failed: HTTP 500/);
    assert.ok(!e.message.includes('sk-test-secret'));
    return true;
  });
  await assert.rejects(planWithLlm('x', llmConfig('http://127.0.0.1:9/v1')), /provider local failed/);
});
