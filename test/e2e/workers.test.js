// Steps executed by `orc worker` processes through a real Redis and BullMQ.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, orc, orcAsync, orcJson, readEventsFile, sleep } from '../helpers.js';
import { noRedis, startRedis } from '../redis-harness.js';
import { AGENTS, executions, runWorkspace, stepStatus, waitForRun } from '../run-helpers.js';

let redis;
before(async () => {
  if (!noRedis) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});
if (noRedis) test('workers through Redis', { skip: noRedis }, () => {});
const rtest = (name, fn) => test(name, { skip: noRedis, timeout: 60_000 }, fn);

const node = JSON.stringify(process.execPath);
const agentCmd = (script, ...args) => `[${[node, JSON.stringify(join(AGENTS, script)), ...args].join(', ')}]`;

let prefixes = 0;
/**
 * A run workspace whose steps go through Redis (a queue prefix of its own), with more agents if given;
 * `@COUNTS@` in them is the counts file of the counting agents.
 */
function workerWorkspace(t, flows, extraAgents = '', { unservedAfter = '2s' } = {}) {
  const ws = runWorkspace(t, flows, extraAgents);
  const file = join(ws.dir, 'orchestrator.yaml');
  const yaml = readFileSync(file, 'utf8').replaceAll('@COUNTS@', ws.counts);
  writeFileSync(
    file,
    `${yaml}redis:\n  url: ${redis.url}\n  prefix: t${process.pid}-${++prefixes}\n  unserved_after: ${unservedAfter}\n  stalled_after: 2s\n`,
  );
  return ws;
}

/** An `orc worker --json` process; `events` are the JSON lines it printed. */
function startWorker(t, dir, args = [], env = {}) {
  const childEnv = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester' };
  delete childEnv.ORCHESTRATOR_DIR;
  delete childEnv.ORCHESTRATOR_REDIS_URL;
  delete childEnv.ORC_REDIS_URL;
  delete childEnv.ORC_DIR;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [BIN, '--dir', dir, '--json', 'worker', ...args], { env: childEnv });
  const worker = { child, events: [], stderr: '' };
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines.filter(Boolean)) worker.events.push(JSON.parse(line));
  });
  child.stderr.on('data', (d) => {
    worker.stderr += d;
  });
  worker.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  worker.ready = until(
    () => worker.events.some((e) => e.event === 'ready'),
    15_000,
    () => worker.stderr,
  );
  worker.done = () => worker.events.filter((e) => e.event === 'done');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return worker;
}

/**
 * The coordinator may record a step before this process has read the worker's line about it (two
 * pipes, two processes): wait for `count` done lines rather than racing them.
 */
function doneLines(worker, count) {
  return until(
    () => worker.done().length >= count,
    5_000,
    () => JSON.stringify(worker.events),
  );
}

async function until(predicate, timeoutMs, describe = () => '') {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await sleep(50);
  }
}

const runOf = (result) => {
  assert.ok(result.stdout, result.stderr);
  return JSON.parse(result.stdout);
};

rtest(
  'two workers share a 20-step run; a second coordinator never touches the first one’s run',
  async (t) => {
    const steps = Array.from(
      { length: 20 },
      (_, i) => `      - { id: s${i}, agent: pacer, task: part ${i} }`,
    );
    const { dir, counts } = workerWorkspace(
      t,
      `  - id: twenty\n    steps:\n${steps.join('\n')}\n  - id: small\n    steps:\n      - { id: one, agent: echo, task: hello }\n      - { id: two, agent: echo, task: again, deps: [one] }`,
      `  - id: pacer\n    name: Pacer\n    description: counts its runs and takes 400 ms\n    command: ${agentCmd('count.js', '"@COUNTS@"', '"400"')}`,
    );
    const one = startWorker(t, dir, ['--agents', 'pacer,echo', '--concurrency', '2']);
    const two = startWorker(t, dir, ['--agents', 'pacer,echo', '--concurrency', '2']);
    await Promise.all([one.ready, two.ready]);
    const big = orcAsync([
      '--dir',
      dir,
      '--json',
      'run',
      '--flow',
      'twenty',
      '--concurrency',
      '4',
      'share it',
    ]);
    await until(() => Object.keys(executions(counts)).length > 0, 15_000);
    const id = orcJson(dir, ['run', 'list']).find((r) => r.task === 'share it').id;
    // Another coordinator: the run it does not hold is refused to it, and its own run completes.
    const resume = orc(['--dir', dir, 'run', 'resume', id]);
    assert.equal(resume.code, 4, resume.stderr);
    assert.match(resume.stderr, /is being run by process/);
    const small = runOf(await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'small', 'meanwhile']));
    assert.equal(small.status, 'complete');
    assert.match(small.steps[1].output, new RegExp(`run=${small.id} step=two`));
    const result = await big;
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout);
    assert.equal(run.status, 'complete');
    assert.ok(run.steps.every((s) => s.status === 'done' && s.output === `did ${s.id}`));
    const tally = executions(counts);
    assert.equal(Object.keys(tally).length, 20);
    assert.ok(
      Object.values(tally).every((n) => n === 1),
      `each step once: ${JSON.stringify(tally)}`,
    );
    const ofRun = (e) => e.agent === 'pacer' && e.run === id;
    const pacerJobs = (w) => w.done().filter(ofRun).length;
    await until(
      () => pacerJobs(one) + pacerJobs(two) >= 20,
      5_000,
      () => `${pacerJobs(one)} + ${pacerJobs(two)}`,
    );
    assert.ok(
      pacerJobs(one) > 0 && pacerJobs(two) > 0,
      `both workers worked: ${pacerJobs(one)}, ${pacerJobs(two)}`,
    );
    assert.equal(pacerJobs(one) + pacerJobs(two), 20);
    const done = one.done()[0];
    assert.ok(
      done.job && done.run && done.step && done.agent && typeof done.ms === 'number',
      'what the worker shows',
    );
    assert.ok(!readEventsFile(dir).some((e) => e.type === 'run.step_failed'));
  },
);

rtest(
  'a worker killed with SIGKILL mid-step: another worker picks its job up and the run completes',
  async (t) => {
    const { dir, counts } = workerWorkspace(
      t,
      '  - id: long\n    steps:\n      - { id: s, agent: slow, task: take time }',
    );
    const doomed = startWorker(t, dir, ['--agents', 'slow']);
    await doomed.ready;
    const coordinator = orcAsync(['--dir', dir, '--json', 'run', '--flow', 'long', 'go']);
    await until(() => executions(counts).s === 1, 15_000);
    const rescuer = startWorker(t, dir, ['--agents', 'slow']);
    await rescuer.ready;
    doomed.child.kill('SIGKILL');
    const result = await coordinator;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).status, 'complete');
    assert.deepEqual(executions(counts), { s: 2 }, 'run again once: at least once, as documented');
    await doneLines(rescuer, 1);
    assert.equal(rescuer.done().length, 1);
  },
);

rtest('failures retry with backoff as configured, then fail the step naming the attempts', async (t) => {
  const { dir, counts } = workerWorkspace(
    t,
    `  - id: flaky
    steps:
      - { id: recovers, agent: twice, task: fail twice then work }
      - { id: gives-up, agent: once, task: fail twice with one retry }
      - { id: after, agent: echo, task: needs gives-up, deps: [gives-up] }`,
    `  - id: twice
    name: Twice
    description: fails twice, then works; two retries
    command: ${agentCmd('flaky.js', '"@COUNTS@"', '"2"')}
    retries: 2
  - id: once
    name: Once
    description: fails twice; one retry
    command: ${agentCmd('flaky.js', '"@COUNTS@"', '"2"')}
    retries: 1`,
  );
  const worker = startWorker(t, dir, ['--agents', 'twice,once,echo', '--concurrency', '2']);
  await worker.ready;
  const result = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'flaky', 'go']);
  assert.equal(result.code, 12, result.stderr);
  const id = orcJson(dir, ['run', 'list'])[0].id;
  const run = orcJson(dir, ['run', 'status', id]);
  assert.deepEqual(stepStatus(run), { recovers: 'done', 'gives-up': 'failed', after: 'skipped' });
  assert.equal(run.steps[0].output, 'ok after 2 failures');
  assert.equal(run.steps[1].error, 'exit code 1: flaky failure 2 (after 2 attempts)');
  assert.deepEqual(executions(counts), { recovers: 3, 'gives-up': 2 });
  const starts = worker.events.filter((e) => e.event === 'started' && e.step === 'recovers');
  assert.deepEqual(
    starts.map((e) => e.attempt),
    [1, 2, 3],
  );
  // The backoff of the in-process runner: 0.5 s, then 1 s.
  const gaps = starts.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(starts[i].at));
  assert.ok(gaps[0] >= 450 && gaps[1] >= 950, `gaps ${gaps}`);
});

rtest('a step for an agent no worker serves fails after unserved_after, with the reason', async (t) => {
  const { dir, counts } = workerWorkspace(
    t,
    '  - id: alone\n    steps:\n      - { id: x, agent: counter, task: nobody takes this }\n      - { id: y, agent: echo, task: after x, deps: [x] }',
  );
  const echoOnly = startWorker(t, dir, ['--agents', 'echo']);
  await echoOnly.ready;
  const result = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'alone', 'go']);
  assert.equal(result.code, 12);
  assert.match(result.stderr, /no worker serves agent counter \(waited 2s\)/);
  const run = orcJson(dir, ['run', 'status', orcJson(dir, ['run', 'list'])[0].id]);
  assert.deepEqual(stepStatus(run), { x: 'failed', y: 'skipped' });
  // The job left the queue with the failure: a worker that comes later does not run it.
  const late = startWorker(t, dir, ['--agents', 'counter']);
  await late.ready;
  await sleep(1500);
  assert.deepEqual(executions(counts), {});
});

rtest('gates: a before gate and an after gate approved while workers wait; the run completes', async (t) => {
  const { dir, counts } = workerWorkspace(
    t,
    `  - id: gated
    steps:
      - { id: migrate, agent: counter, task: drop the table, gate: before }
      - { id: report, agent: echo, task: write the report, deps: [migrate], gate: after }
      - { id: publish, agent: counter, task: publish, deps: [report] }`,
  );
  const worker = startWorker(t, dir, ['--agents', 'counter,echo']);
  await worker.ready;
  const first = runOf(await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'gated', 'ship']));
  assert.equal(first.status, 'waiting_approval');
  assert.deepEqual(executions(counts), {}, 'nothing ran before approval');
  assert.equal(orc(['--dir', dir, 'approve', first.id, 'migrate']).code, 0);
  const held = await waitForRun(dir, first.id, (r) => r.steps[1].status === 'waiting_approval');
  assert.match(held.steps[1].output, /write the report/, 'the output is held for review');
  assert.equal(orc(['--dir', dir, 'approve', first.id, 'report']).code, 0);
  const done = await waitForRun(dir, first.id, (r) => r.status === 'complete');
  assert.deepEqual(stepStatus(done), { migrate: 'done', report: 'done', publish: 'done' });
  assert.deepEqual(executions(counts), { migrate: 1, publish: 1 });
  await doneLines(worker, 3);
  assert.equal(worker.done().length, 3);
});

rtest('LLM agents run on workers too, with the worker’s provider key', async (t) => {
  const { startFakeLlm } = await import('../fake-llm-server.js');
  const server = await startFakeLlm(
    (body) => `REPLY to ${body.messages[1].content.includes('## Your step\nwrite') ? 'the step' : '?'}`,
  );
  t.after(() => server.close());
  const { dir } = workerWorkspace(
    t,
    '  - id: story\n    steps:\n      - { id: s, agent: writer, task: write the story }',
    `  - id: writer
    name: Writer
    description: writes
    provider: local
providers:
  local: { api_key: "\${FAKE_KEY}", base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const worker = startWorker(t, dir, ['--agents', 'writer'], { FAKE_KEY: 'sk-worker-key' });
  await worker.ready;
  const run = runOf(
    await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'story', 'go'], { env: { FAKE_KEY: 'x' } }),
  );
  assert.equal(run.status, 'complete');
  assert.equal(run.steps[0].output, 'REPLY to the step');
  assert.equal(server.requests[0].auth, 'Bearer sk-worker-key', "the worker's key, from its own environment");
});

rtest('SIGTERM: the worker finishes the job in hand, then exits 0', async (t) => {
  const { dir, counts } = workerWorkspace(
    t,
    '  - id: long\n    steps:\n      - { id: s, agent: slow, task: take time }',
  );
  const worker = startWorker(t, dir, ['--agents', 'slow']);
  await worker.ready;
  const coordinator = orcAsync(['--dir', dir, '--json', 'run', '--flow', 'long', 'go']);
  await until(() => executions(counts).s === 1, 15_000);
  worker.child.kill('SIGTERM');
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
  assert.deepEqual(
    worker.events.map((e) => e.event),
    ['ready', 'started', 'stopping', 'done', 'stopped'],
  );
  const result = await coordinator;
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(executions(counts), { s: 1 });
});

rtest('a second signal returns the job in hand to its queue; another worker runs it', async (t) => {
  // Between the first worker leaving and the second one starting, no worker serves the agent: the
  // coordinator must wait longer than that gap takes on a loaded machine.
  const { dir, counts } = workerWorkspace(
    t,
    '  - id: long\n    steps:\n      - { id: s, agent: slow, task: take time }',
    '',
    { unservedAfter: '60s' },
  );
  const leaving = startWorker(t, dir, ['--agents', 'slow']);
  await leaving.ready;
  const coordinator = orcAsync(['--dir', dir, '--json', 'run', '--flow', 'long', 'go']);
  await until(() => executions(counts).s === 1, 15_000);
  leaving.child.kill('SIGTERM');
  await until(() => leaving.events.some((e) => e.event === 'stopping'), 5_000);
  leaving.child.kill('SIGTERM');
  assert.deepEqual(await leaving.exited, { code: 0, signal: null });
  assert.deepEqual(
    leaving.events.map((e) => e.event),
    ['ready', 'started', 'stopping', 'stopping', 'returned', 'stopped'],
  );
  const taker = startWorker(t, dir, ['--agents', 'slow']);
  await taker.ready;
  const result = await coordinator;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status, 'complete');
  await doneLines(taker, 1);
  assert.equal(taker.done().length, 1);
  assert.equal(taker.done()[0].attempt, 1, 'returning spends no attempt');
  assert.deepEqual(executions(counts), { s: 2 });
});

rtest(
  'a coordinator killed mid-step: resume waits for the same job instead of running the step again',
  async (t) => {
    const { dir, counts } = workerWorkspace(
      t,
      '  - id: chain\n    steps:\n      - { id: s, agent: slow, task: take time }\n      - { id: next, agent: counter, task: then this, deps: [s] }',
    );
    const worker = startWorker(t, dir, ['--agents', 'slow,counter']);
    await worker.ready;
    const coordinator = spawn(process.execPath, [BIN, '--dir', dir, 'run', '--flow', 'chain', 'go'], {
      stdio: 'ignore',
    });
    await until(() => executions(counts).s === 1, 15_000);
    coordinator.kill('SIGKILL');
    await new Promise((resolve) => coordinator.on('close', resolve));
    const id = orcJson(dir, ['run', 'list'])[0].id;
    const resumed = await orcAsync(['--dir', dir, '--json', 'run', 'resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).status, 'complete');
    assert.deepEqual(executions(counts), { s: 1, next: 1 }, 'the step ran once');
    assert.ok(!readEventsFile(dir).some((e) => e.type === 'run.step_requeued'));
  },
);

rtest('cancel stops the step on its worker', async (t) => {
  const { dir, counts } = workerWorkspace(
    t,
    '  - id: long\n    steps:\n      - { id: s, agent: slow, task: take time }',
  );
  const worker = startWorker(t, dir, ['--agents', 'slow']);
  await worker.ready;
  const started = orcJson(dir, ['run', '--flow', 'long', '--detach', 'go']);
  await until(() => executions(counts).s === 1, 15_000);
  assert.equal(orc(['--dir', dir, 'run', 'cancel', started.id]).code, 0);
  await until(
    () => worker.events.some((e) => e.event === 'failed'),
    10_000,
    () => JSON.stringify(worker.events),
  );
  const failed = worker.events.find((e) => e.event === 'failed');
  assert.equal(failed.error, 'cancelled');
  // Stopped, not finished: the worker never recorded the step as done.
  assert.deepEqual(worker.done(), [], 'the cancelled step never finished');
  const run = await waitForRun(dir, started.id, (r) => r.status === 'cancelled');
  assert.equal(run.steps[0].status, 'cancelled');
});

test('redis: settings are checked by path, and the URL is never shown with its password', async (t) => {
  const { dir } = runWorkspace(t, '  []');
  const file = join(dir, 'orchestrator.yaml');
  const base = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    `${base}redis:\n  url: http://user:hunter2@example.com\n  prefix: "a b"\n  unserved_after: soon\n`,
  );
  const check = orc(['--dir', dir, '--json', 'config', 'check']);
  assert.equal(check.code, 2);
  assert.deepEqual(JSON.parse(check.stdout).problems, [
    'redis.url: must be a redis:// or rediss:// URL (not shown: it may hold a password)',
    'redis.prefix: must be 1 to 40 letters, digits, . _ or -',
    'redis.unserved_after "soon" is not a duration: give one from 1ms to 365d, e.g. 30s, 15m, 2h or 1d',
  ]);
  assert.ok(!check.stdout.includes('hunter2') && !check.stderr.includes('hunter2'));
  writeFileSync(file, base);
  const shown = orc(['--dir', dir, '--json', 'config', 'check'], {
    env: { ORCHESTRATOR_REDIS_URL: 'redis://:hunter2@redis.example:6380' },
  });
  assert.deepEqual(JSON.parse(shown.stdout).redis, { url: 'redis://:***@redis.example:6380', prefix: 'orc' });
  const noRedisWorker = orc(['--dir', dir, 'worker']);
  assert.equal(noRedisWorker.code, 2);
  assert.match(noRedisWorker.stderr, /needs redis: in orchestrator.yaml or ORC_REDIS_URL/);
  const unreachable = orc(['--dir', dir, 'worker'], {
    env: { ORCHESTRATOR_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' },
  });
  assert.equal(unreachable.code, 9);
  assert.match(
    unreachable.stderr,
    /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED/,
  );
  assert.ok(!unreachable.stderr.includes('hunter2'));
  // A run that could not reach its workers is refused before it exists: no run left "running".
  const refused = orc(['--dir', dir, 'run', 'anything at all'], {
    env: { ORCHESTRATOR_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' },
  });
  assert.equal(refused.code, 9, refused.stderr);
  assert.match(refused.stderr, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  assert.deepEqual(orcJson(dir, ['run', 'list']), []);
  if (noRedis) return;
  // The variable alone turns workers on; a password in it is shown as ***.
  const withPassword = redis.url.replace('redis://', 'redis://:hunter2@');
  const worker = startWorker(t, dir, ['--agents', 'echo'], { ORCHESTRATOR_REDIS_URL: withPassword });
  await worker.ready;
  worker.child.kill('SIGTERM');
  await worker.exited;
  assert.ok(!JSON.stringify(worker.events).includes('hunter2') && !worker.stderr.includes('hunter2'));
  const human = spawn(process.execPath, [BIN, '--dir', dir, 'worker', '--agents', 'echo'], {
    env: { ...process.env, NO_COLOR: '1', ORCHESTRATOR_REDIS_URL: withPassword },
  });
  let out = '';
  human.stdout.on('data', (d) => {
    out += d;
  });
  human.stderr.on('data', (d) => {
    out += d;
  });
  await until(
    () => /serving/.test(out),
    15_000,
    () => out,
  );
  human.kill('SIGTERM');
  await new Promise((resolve) => human.on('close', resolve));
  assert.match(out, /serving echo \(concurrency 1\) through redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
  assert.ok(!out.includes('hunter2'), out);
});
