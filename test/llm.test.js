import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { OrcError, chatComplete, choosePlan, planWithLlm } from '../dist/lib/index.js';
import { startFakeLlm } from './fake-llm-server.js';

const KEY = 'sk-fake-7f3a9c2e5b1d4e8f';

const provider = (url, extra = {}) => ({
  id: 'local',
  baseUrl: url,
  apiKey: KEY,
  model: 'planner',
  maxRetries: 0,
  timeoutMs: 5000,
  ...extra,
});

const agent = (id, description, capabilities) => ({ id, name: id, description, capabilities, kind: 'llm' });

const config = (url, extra = {}) => ({
  name: 't',
  provider: 'local',
  concurrency: 4,
  providers: { local: provider(url, extra) },
  agents: [
    agent('analyst', 'Analyzes data and produces reports', ['analysis', 'metrics']),
    agent('writer', 'Writes documents and summaries', ['writing']),
  ],
  flows: [],
});

const GOOD =
  '{"steps":[{"id":"s1","agent":"analyst","task":"analyze Q1","deps":[]},' +
  '{"id":"s2","agent":"writer","task":"summarize","deps":["s1"],"gate":"after"}]}';

async function fake(t, handler) {
  const server = await startFakeLlm(handler);
  t.after(() => server.close());
  return server;
}

/** A port that was just listening and is now closed: connecting to it is refused. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Asserts a PROVIDER_FAILED error (exit code 11) naming the provider and never the key. */
function providerFailed(pattern) {
  return (e) => {
    assert.ok(e instanceof OrcError, String(e));
    assert.equal(e.code, 'PROVIDER_FAILED');
    assert.equal(e.exitCode, 11);
    assert.match(e.message, pattern);
    assert.ok(!JSON.stringify({ m: e.message, d: e.details, c: String(e.cause) }).includes(KEY));
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  };
}

test('chatComplete sends the model, messages and key through the openai client and returns the reply', async (t) => {
  const server = await fake(t, () => 'hello there');
  const messages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi' },
  ];
  assert.equal(await chatComplete(provider(server.url), messages), 'hello there');
  const [request] = server.requests;
  assert.equal(request.path, '/v1/chat/completions');
  assert.equal(request.auth, `Bearer ${KEY}`);
  assert.equal(request.body.model, 'planner');
  assert.deepEqual(request.body.messages, messages);
  assert.equal(
    request.body.response_format,
    undefined,
    'json_object only when asked: some providers reject it',
  );
  await chatComplete(provider(server.url), messages, { json: true });
  assert.deepEqual(server.requests[1].body.response_format, { type: 'json_object' });
});

test('chatComplete without a key sends a placeholder, never OPENAI_API_KEY', async (t) => {
  const server = await fake(t, () => 'ok');
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = 'sk-someone-elses-key';
  t.after(() => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });
  await chatComplete(provider(server.url, { apiKey: undefined }), [{ role: 'user', content: 'x' }]);
  assert.equal(server.requests[0].auth, 'Bearer none');
});

test('an HTTP error is PROVIDER_FAILED at once with maxRetries 0, with the status and the provider words, key cut out', async (t) => {
  const server = await fake(t, () => ({
    status: 401,
    body: { error: { message: `Incorrect API key provided: ${KEY}` } },
  }));
  await assert.rejects(
    chatComplete(provider(server.url), [{ role: 'user', content: 'x' }]),
    providerFailed(/^provider local failed: HTTP 401 \(Incorrect API key provided: \*\*\*\)$/),
  );
  assert.equal(server.requests.length, 1, 'no retries');
});

test('maxRetries is passed to the client: one retry means two requests', async (t) => {
  const server = await fake(t, () => ({ status: 500 }));
  await assert.rejects(
    chatComplete(provider(server.url, { maxRetries: 1 }), [{ role: 'user', content: 'x' }]),
    providerFailed(/HTTP 500/),
  );
  assert.equal(server.requests.length, 2);
});

test('a refused connection, a timeout and a cancel are PROVIDER_FAILED with their cause', async (t) => {
  const port = await closedPort();
  await assert.rejects(
    chatComplete(provider(`http://127.0.0.1:${port}/v1`), [{ role: 'user', content: 'x' }]),
    providerFailed(/^provider local failed: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED$/),
  );
  const slow = await fake(t, () => new Promise((resolve) => setTimeout(() => resolve('late'), 1500)));
  await assert.rejects(
    chatComplete(provider(slow.url, { timeoutMs: 200 }), [{ role: 'user', content: 'x' }]),
    providerFailed(/^provider local failed: no answer within 200 ms from http:\/\/127\.0\.0\.1/),
  );
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(
    chatComplete(provider(slow.url), [{ role: 'user', content: 'x' }], { signal: controller.signal }),
    providerFailed(/^provider local failed: the request was cancelled$/),
  );
});

test('the LLM planner: a good plan in one round, with agents, schema and knowledge in the prompt', async (t) => {
  const server = await fake(t, () => GOOD);
  const plan = await planWithLlm('Analyze Q1 and summarize', config(server.url), {
    knowledge: 'Q1 lives in sales.csv',
  });
  assert.deepEqual(plan, {
    source: 'llm',
    steps: [
      { id: 's1', agent: 'analyst', task: 'analyze Q1', deps: [] },
      { id: 's2', agent: 'writer', task: 'summarize', deps: ['s1'], gate: 'after' },
    ],
  });
  assert.equal(server.requests.length, 1);
  const [system, user] = server.requests[0].body.messages;
  assert.equal(system.role, 'system');
  assert.match(
    system.content,
    /- analyst: Analyzes data and produces reports \(name: analyst; capabilities: analysis, metrics\)/,
  );
  assert.match(system.content, /\{"steps":\[\{"id":"s1","agent":"<agent id>"/);
  assert.equal(user.content, 'Task: Analyze Q1 and summarize\n\nRelevant knowledge:\nQ1 lives in sales.csv');
});

test('the LLM planner reads fenced JSON and JSON inside chatter', async (t) => {
  for (const reply of [
    `Here is the plan:\n\`\`\`json\n${GOOD}\n\`\`\`\nLet me know!`,
    `Sure. I split it as follows ${GOOD} — the analyst goes first.`,
  ]) {
    const server = await fake(t, () => reply);
    const plan = await planWithLlm('x', config(server.url));
    assert.deepEqual(
      plan.steps.map((s) => s.agent),
      ['analyst', 'writer'],
    );
    assert.equal(server.requests.length, 1);
  }
});

test('an invalid plan is repaired in round 2: the second request lists the problems', async (t) => {
  const replies = ['{"steps":[{"id":"s1","agent":"nobody","task":"analyze","deps":["s9"]}]}', GOOD];
  const server = await fake(t, (_body, i) => replies[i]);
  const plan = await planWithLlm('x', config(server.url));
  assert.equal(plan.steps[0].agent, 'analyst');
  assert.equal(server.requests.length, 2);
  const second = server.requests[1].body.messages;
  assert.deepEqual(second.at(-2), { role: 'assistant', content: replies[0] });
  assert.match(
    second.at(-1).content,
    /^That plan cannot be used: .*step "s1": agent "nobody" is not configured/,
  );
  assert.match(second.at(-1).content, /step "s1" depends on "s9", which is not a step/);
});

test('extra plan checks (policy rules) join the repair round', async (t) => {
  const server = await fake(t, () => GOOD);
  const check = (plan) => (plan.steps.some((s) => s.agent === 'writer') ? ['writer is forbidden here'] : []);
  await assert.rejects(
    planWithLlm('x', config(server.url), { check, maxRounds: 2 }),
    (e) =>
      e.code === 'INVALID_INPUT' && /no valid plan in 2 rounds: writer is forbidden here$/.test(e.message),
  );
  assert.match(server.requests[1].body.messages.at(-1).content, /writer is forbidden here/);
});

test('the LLM planner gives up after maxRounds with one line; a provider failure ends it at once', async (t) => {
  const junk = await fake(t, () => 'I would rather not.');
  await assert.rejects(
    planWithLlm('x', config(junk.url), { maxRounds: 2 }),
    (e) =>
      e.code === 'INVALID_INPUT' &&
      e.message ===
        'the LLM planner gave no valid plan in 2 rounds: the planner did not answer with JSON: "I would rather not."',
  );
  assert.equal(junk.requests.length, 2);
  const broken = await fake(t, () => ({ status: 500 }));
  await assert.rejects(
    planWithLlm('x', config(broken.url)),
    providerFailed(/^provider local failed: HTTP 500/),
  );
  assert.equal(broken.requests.length, 1, 'no repair round after a provider failure');
  const port = await closedPort();
  await assert.rejects(
    planWithLlm('x', config(`http://127.0.0.1:${port}/v1`)),
    providerFailed(/ECONNREFUSED/),
  );
});

test('choosePlan asks the LLM when orchestrator.provider is set and no flow applies', async (t) => {
  const server = await fake(t, () => GOOD);
  const plan = await choosePlan('Analyze Q1', config(server.url), { knowledge: 'past runs: none' });
  assert.equal(plan.source, 'llm');
  assert.match(server.requests[0].body.messages[1].content, /past runs: none/);
  const flows = {
    ...config(server.url),
    flows: [{ id: 'f', trigger: 'analyze', steps: [{ id: 'a', agent: 'analyst', task: 't', deps: [] }] }],
  };
  assert.equal((await choosePlan('Analyze Q1', flows)).source, 'flow');
  assert.equal(server.requests.length, 1, 'a matching flow needs no LLM');
});

test('an HTTP error without a body is just its status', async (t) => {
  const server = await fake(t, () => ({ status: 503, body: '' }));
  await assert.rejects(
    chatComplete(provider(server.url), [{ role: 'user', content: 'x' }]),
    providerFailed(/^provider local failed: HTTP 503$/),
  );
});
