import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcJson, sleep, tempWorkspace } from './helpers.js';
import { GATED_FLOW, REVIEWER_AGENT, TOKEN, call, startServe, waitForHttpRun } from './http-helpers.js';
import { runWorkspace } from './run-helpers.js';

const boardWorkspace = (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend']);
  return dir;
};

test('auth: /health is public; every API route needs the bearer token, 401 JSON otherwise', async (t) => {
  const dir = boardWorkspace(t);
  const { url } = await startServe(t, dir);
  const health = await call(url, '/health', { token: null });
  assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
  for (const path of ['/api/status', '/api/tasks', '/api/runs', '/api/agents', '/api/events/stream']) {
    const missing = await call(url, path, { token: null });
    assert.equal(missing.status, 401, path);
    assert.equal(missing.body.error.code, 'UNAUTHORIZED');
    const wrong = await call(url, path, { token: `${TOKEN}x` });
    assert.equal(wrong.status, 401, path);
    assert.deepEqual(Object.keys(wrong.body), ['error']);
  }
  const posted = await call(url, '/api/tasks', {
    token: null,
    body: { workstream: 'backend', title: 'sneaky' },
  });
  assert.equal(posted.status, 401);
  assert.deepEqual(orcJson(dir, ['t', 'list']), [], 'nothing was added without the token');
  // ?token= is for EventSource only: no other route takes it.
  assert.equal((await call(url, `/api/tasks?token=${TOKEN}`, { token: null })).status, 401);
  assert.equal((await call(url, '/api/tasks')).status, 200);
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(await page.text(), /<script>|\son\w+=/, 'no inline script or handler in the page');
});

test('without ORC_TOKEN the token is made once in .orc/serve-token, mode 0600, and kept', async (t) => {
  const dir = boardWorkspace(t);
  const first = await startServe(t, dir, { ORC_TOKEN: '' });
  const file = join(dir, '.orc', 'serve-token');
  assert.ok(existsSync(file));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  assert.ok(token.length >= 32);
  // stderr is a pipe of its own: its line may arrive after the address on stdout.
  for (let i = 0; i < 100 && !first.output().stderr.includes('\n'); i++) await sleep(20);
  assert.match(first.output().stderr, new RegExp(`#token=${token}`), 'the page address with the token');
  assert.equal((await call(first.url, '/api/status', { token })).status, 200);
  first.child.kill('SIGTERM');
  assert.deepEqual(await first.exited, { code: 0, signal: null }, 'SIGTERM stops it cleanly');
  const second = await startServe(t, dir, { ORC_TOKEN: '' });
  assert.equal((await call(second.url, '/api/status', { token })).status, 200, 'the same token again');
  assert.ok(!orc(['--dir', dir, 'status']).stdout.includes(token));
});

test('validation: wrong types, unknown fields, bad JSON, huge bodies and bad queries are 4xx JSON', async (t) => {
  const dir = boardWorkspace(t);
  const { url } = await startServe(t, dir);
  const cases = [
    [{ body: { workstream: 'backend', title: 'x', bogus: 1 } }, 400, /unknown field "bogus"/],
    [
      { body: { workstream: 'backend', title: 'x', priority: '1' } },
      400,
      /priority must be a whole number, not the string "1"/,
    ],
    [{ body: { workstream: 'backend', title: 'x', tags: 'a' } }, 400, /tags must be a list/],
    [{ body: { workstream: 'backend' } }, 400, /title is missing/],
    [{ body: ['backend', 'x'] }, 400, /must be a JSON object/],
    [{ raw: '{"workstream": "backend",' }, 400, /not valid JSON/],
    [{ raw: `{"workstream":"backend","title":"${'a'.repeat(1_100_000)}"}` }, 413, /over 1048576 bytes/],
    [{ body: { workstream: 'nope', title: 'x' } }, 404, /not found/],
  ];
  for (const [request, status, message] of cases) {
    const res = await call(url, '/api/tasks', request);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error.code, status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT');
    assert.match(res.body.error.message, message);
    assert.doesNotMatch(res.body.error.message, /\n|at .*\.js/, 'one line, no stack');
  }
  assert.equal((await call(url, '/api/tasks?status=bogus')).status, 400);
  assert.equal((await call(url, '/api/tasks?colour=red')).status, 400);
  assert.equal((await call(url, '/api/knowledge/search?q=x&k=two')).status, 400);
  assert.equal((await call(url, '/api/nothing')).status, 404);
  const wrongMethod = await call(url, '/api/tasks/next', { method: 'GET' });
  assert.deepEqual([wrongMethod.status, wrongMethod.headers.get('allow')], [405, 'POST']);
  assert.deepEqual(orcJson(dir, ['t', 'list']), [], 'no request above added anything');
});

test('tasks over HTTP: add, list, next with its brief, complete; conflicts are 409', async (t) => {
  const dir = boardWorkspace(t);
  orcJson(dir, ['a', 'register', 'ada', 'worker']);
  orcJson(dir, ['a', 'register', 'bob', 'worker']);
  const { url } = await startServe(t, dir);
  const added = await call(url, '/api/tasks', {
    body: { workstream: 'backend', title: 'Design the schema', priority: 1, tags: ['db'] },
  });
  assert.equal(added.status, 201);
  assert.equal(added.body.status, 'open');
  const listed = await call(url, '/api/tasks?workstream=backend&status=open');
  assert.deepEqual(
    listed.body.map((x) => x.id),
    [added.body.id],
  );
  const next = await call(url, '/api/tasks/next', { body: { agent: 'ada' } });
  assert.equal(next.status, 200);
  assert.equal(next.body.task.id, added.body.id);
  assert.match(next.body.brief, /# Task .*Design the schema/);
  const stolen = await call(url, `/api/tasks/${added.body.id}/complete`, { body: { agent: 'bob' } });
  assert.deepEqual([stolen.status, stolen.body.error.code], [409, 'CLAIM_LOST']);
  const done = await call(url, `/api/tasks/${added.body.id}/complete`, {
    body: { token: next.body.task.claim.token, result: 'schema.sql' },
  });
  assert.equal(done.status, 200);
  assert.equal(orcJson(dir, ['t', 'show', added.body.id]).status, 'done', 'the CLI sees it');
  const again = await call(url, `/api/tasks/${added.body.id}/complete`, { body: {} });
  assert.deepEqual([again.status, again.body.error.code], [409, 'CONFLICT']);
  const none = await call(url, '/api/tasks/next', { body: { agent: 'ada' } });
  assert.deepEqual(none.body, { task: null, brief: null, knowledge: [] });
  const failing = await call(url, '/api/tasks', { body: { workstream: 'backend', title: 'Flaky' } });
  const failed = await call(url, `/api/tasks/${failing.body.id}/fail`, { body: { reason: 'no disk' } });
  assert.equal(failed.body.status, 'failed');
  assert.equal((await call(url, '/api/tasks/t-nothing/fail', { body: { reason: 'x' } })).status, 404);
  const status = await call(url, '/api/status');
  assert.equal(status.body.workstreams[0].counts.done, 1);
  assert.deepEqual(
    (await call(url, '/api/agents')).body.map((a) => [a.id, a.state]),
    [
      ['ada', 'live'],
      ['bob', 'live'],
    ],
  );
  orcJson(dir, ['lock', 'acquire', 'src/db', 'ada']);
  assert.deepEqual(
    (await call(url, '/api/locks')).body.map((l) => [l.resource, l.owner]),
    [['src/db', 'ada']],
  );
});

test('the routes the dashboard works with: update, cancel, reopen, a brief without a claim, events by subject', async (t) => {
  const dir = boardWorkspace(t);
  const { url } = await startServe(t, dir);
  const added = await call(url, '/api/tasks', { body: { workstream: 'backend', title: 'Seed the data' } });
  const id = added.body.id;
  const updated = await call(url, `/api/tasks/${id}/update`, { body: { priority: 0, tags: ['db'] } });
  assert.deepEqual([updated.status, updated.body.priority, updated.body.tags], [200, 0, ['db']]);
  const cancelled = await call(url, `/api/tasks/${id}/cancel`, { body: { reason: 'not needed' } });
  assert.deepEqual([cancelled.body.status, cancelled.body.reason], ['cancelled', 'not needed']);
  assert.equal((await call(url, `/api/tasks/${id}/cancel`, { body: {} })).status, 409);
  assert.equal((await call(url, `/api/tasks/${id}/reopen`, { body: {} })).body.status, 'open');
  const brief = await call(url, `/api/tasks/${id}/brief`);
  assert.match(brief.body.brief, /# Task .*Seed the data/);
  assert.equal(orcJson(dir, ['t', 'show', id]).status, 'open', 'a brief claims nothing');
  const events = await call(url, `/api/events?subject=${id}&last=10`);
  assert.deepEqual(
    events.body.events.map((e) => e.type),
    ['task.added', 'task.updated', 'task.cancelled', 'task.reopened'],
  );
  assert.equal((await call(url, '/api/events?last=many')).status, 400);
  assert.equal((await call(url, '/api/tasks/t-nothing/brief')).status, 404);
});

test('knowledge search over HTTP', async (t) => {
  const dir = boardWorkspace(t);
  orc(['--dir', dir, 'kb', 'write', 'deploys', '# Deploys\nWe deploy with blue-green switches on Fridays.']);
  orc(['--dir', dir, 'kb', 'write', 'style', '# Style\nTwo spaces, single quotes.']);
  const { url } = await startServe(t, dir);
  const found = await call(url, '/api/knowledge/search?q=blue-green%20deploy&k=1');
  assert.equal(found.status, 200);
  assert.deepEqual(
    found.body.hits.map((h) => h.name),
    ['deploys'],
  );
  assert.equal((await call(url, '/api/knowledge/search')).status, 400, 'q is required');
});

test('a gated run started over HTTP waits, refuses "approved": "false", and completes once approved', async (t) => {
  const { dir } = runWorkspace(t, GATED_FLOW, REVIEWER_AGENT);
  const { url } = await startServe(t, dir);
  const bad = await call(url, '/api/runs', {
    body: { task: 'ship it', flow: 'gated', payload: { n: { deep: 1 } } },
  });
  assert.equal(bad.status, 400, 'payload values are strings, numbers or booleans');
  const started = await call(url, '/api/runs', { body: { task: 'ship it', flow: 'gated' } });
  assert.equal(started.status, 202);
  const id = started.body.id;
  const waiting = await waitForHttpRun(url, id, (r) => r.status === 'waiting_approval');
  assert.match(waiting.steps[0].output, /write a draft/, 'the output is held for review');
  for (const approved of ['false', 'true', 1, null]) {
    const res = await call(url, `/api/runs/${id}/decision`, { body: { approved } });
    assert.equal(res.status, 400, `approved: ${JSON.stringify(approved)}`);
  }
  const reject = await call(url, `/api/runs/${id}/reject`, { body: {} });
  assert.equal(reject.status, 400, 'a rejection needs a reason');
  await sleep(300);
  assert.equal((await call(url, `/api/runs/${id}`)).body.steps[0].status, 'waiting_approval');
  const approved = await call(url, `/api/runs/${id}/decision`, { body: { approved: true, note: 'fine' } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.deepEqual([approved.body.run, approved.body.step, approved.body.status], [id, 'draft', 'running']);
  assert.equal(approved.body.decision.decision, 'approved');
  const done = await waitForHttpRun(url, id, (r) => r.status === 'complete');
  assert.equal(done.steps[0].decision.by, 'tester');
  assert.equal(done.steps[1].status, 'done');
  const twice = await call(url, `/api/runs/${id}/approve`, { body: { step: 'draft' } });
  assert.deepEqual([twice.status, twice.body.error.code], [409, 'CONFLICT']);
  const listed = await call(url, '/api/runs?status=complete');
  assert.deepEqual(
    listed.body.map((r) => r.id),
    [id],
  );
  assert.equal(orcJson(dir, ['run', 'status', id]).status, 'complete', 'the CLI sees it');
});

test('a run whose workers cannot be reached is 503 UNHEALTHY, and no run is created', async (t) => {
  const { dir } = runWorkspace(t, GATED_FLOW, REVIEWER_AGENT);
  const { url } = await startServe(t, dir, { ORCHESTRATOR_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
  const res = await call(url, '/api/runs', { body: { task: 'ship it', flow: 'gated' } });
  assert.deepEqual([res.status, res.body.error.code], [503, 'UNHEALTHY']);
  assert.match(res.body.error.message, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  assert.deepEqual((await call(url, '/api/runs')).body, []);
});

/** Reads a server-sent event stream until `until(text)` holds. */
async function readStream(res, until, timeoutMs = 5_000) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(text)) {
    const chunk = await Promise.race([reader.read(), sleep(Math.max(0, deadline - Date.now()))]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel();
  return text;
}

test('the event stream delivers an event a CLI command causes, and resumes after Last-Event-ID', async (t) => {
  const dir = boardWorkspace(t);
  const { url, child, exited } = await startServe(t, dir);
  const res = await fetch(`${url}/api/events/stream?token=${TOKEN}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reading = readStream(res, (text) => text.includes('task.added'));
  await sleep(300);
  orcJson(dir, ['t', 'add', 'backend', 'Streamed task']);
  const text = await reading;
  assert.doesNotMatch(text, /workstream\.created/, 'the stream starts at the end of the log');
  const data = JSON.parse(/^data: (.*)$/m.exec(text)[1]);
  assert.equal(data.type, 'task.added');
  assert.equal(data.data.title, 'Streamed task');
  const created = orcJson(dir, ['events', '--type', 'workstream.created']);
  const resumed = await fetch(`${url}/api/events/stream`, {
    headers: { authorization: `Bearer ${TOKEN}`, 'last-event-id': created[0].id },
  });
  const replay = await readStream(resumed, (s) => s.includes('task.added'));
  assert.match(replay, /Streamed task/, 'what came after the last seen event is replayed');
  assert.doesNotMatch(replay, /workstream\.created/);
  // An open stream does not keep the server from stopping.
  const open = await fetch(`${url}/api/events/stream?token=${TOKEN}`);
  const ended = readStream(open, () => false, 5_000);
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  await ended;
});
