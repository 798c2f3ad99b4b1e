import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcAsync, orcJson, readEventsFile, sleep, snapshot } from './helpers.js';
import { executions, runWorkspace, stepStatus, waitForRun } from './run-helpers.js';

test('independent steps run in parallel: two 1-second steps finish in about 1 second', async (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: pair
    steps:
      - { id: a, agent: sleeper, task: first }
      - { id: b, agent: sleeper, task: second }
      - { id: c, agent: echo, task: join them, deps: [a, b] }`,
  );
  const run = orc(['--dir', dir, '--json', 'run', '--flow', 'pair', 'do two things']);
  assert.equal(run.code, 0, run.stderr);
  const result = run.json();
  assert.equal(result.status, 'complete');
  assert.deepEqual(stepStatus(result), { a: 'done', b: 'done', c: 'done' });
  const a = result.steps.find((s) => s.id === 'a');
  const b = result.steps.find((s) => s.id === 'b');
  const c = result.steps.find((s) => s.id === 'c');
  // From the run's own timestamps: each of a and b started before the other ended, so they ran together.
  assert.ok(Date.parse(a.startedAt) < Date.parse(b.endedAt), 'a started before b ended');
  assert.ok(Date.parse(b.startedAt) < Date.parse(a.endedAt), 'b started before a ended');
  assert.ok(Date.parse(c.startedAt) >= Date.parse(a.endedAt), 'c waited for a');
  assert.match(c.output, /step=c/);
  assert.match(c.output, /### a \(agent sleeper\)\ndid a/, "c's brief has the outputs of its dependencies");
  assert.match(c.output, new RegExp(`run=${result.id}`));
});

test('a failing step skips its dependents and the run fails (exit 12), never complete', (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: broken
    steps:
      - { id: ok, agent: echo, task: fine }
      - { id: bad, agent: failer, task: break }
      - { id: after, agent: echo, task: needs bad, deps: [bad] }
      - { id: later, agent: echo, task: needs after, deps: [after] }`,
  );
  const run = orc(['--dir', dir, '--json', 'run', '--flow', 'broken', 'go']);
  assert.equal(run.code, 12);
  assert.match(
    JSON.parse(run.stderr.trim().split('\n').pop()).error.message,
    /failed \(bad: exit code 3: something broke\)/,
  );
  const id = orcJson(dir, ['run', 'list'])[0].id;
  const status = orcJson(dir, ['run', 'status', id]);
  assert.equal(status.status, 'failed');
  assert.deepEqual(stepStatus(status), { ok: 'done', bad: 'failed', after: 'skipped', later: 'skipped' });
});

/** Dead, or a zombie waiting to be reaped (in a container, PID 1 may be slow to reap orphans). */
function gone(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

test("a crashing agent's step error names the error, not Node's trailer", (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: crash\n    steps:\n      - { id: c, agent: crasher, task: crash }`,
  );
  assert.equal(orc(['--dir', dir, 'run', '--flow', 'crash', 'go']).code, 12);
  const id = orcJson(dir, ['run', 'list'])[0].id;
  assert.equal(
    orcJson(dir, ['run', 'status', id]).steps[0].error,
    'exit code 1: TypeError: the input was not what I expected',
  );
});

test('a timeout ends the whole process tree of the agent', async (t) => {
  const { dir } = runWorkspace(t, `  - id: hang\n    steps:\n      - { id: h, agent: hanger, task: hang }`);
  const run = orc(['--dir', dir, '--json', 'run', '--flow', 'hang', 'go']);
  assert.equal(run.code, 12);
  const id = orcJson(dir, ['run', 'list'])[0].id;
  assert.match(orcJson(dir, ['run', 'status', id]).steps[0].error, /timed out after 1s/);
  const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
  for (let i = 0; i < 20 && !gone(pid); i++) await sleep(100);
  assert.ok(gone(pid), 'the grandchild is gone');
});

test('task text reaches an agent on stdin only: it is never run as a command', (t) => {
  const marker = join(
    runWorkspace(t, `  - id: x\n    steps:\n      - { id: s, agent: echo, task: 'say {{payload.text}}' }`)
      .dir,
    'pwned',
  );
  const dir = join(marker, '..');
  const run = orc([
    '--dir',
    dir,
    '--json',
    'run',
    '--flow',
    'x',
    '--payload',
    `text=$(touch ${marker}); touch ${marker}`,
    'go',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(existsSync(marker), false);
  assert.match(run.json().steps[0].output, /say \$\(touch/);
});

test('a large output goes to a side file referenced from the run', (t) => {
  const { dir } = runWorkspace(t, `  - id: big\n    steps:\n      - { id: b, agent: big, task: print }`);
  const run = orc(['--dir', dir, '--json', 'run', '--flow', 'big', 'go']).json();
  const step = run.steps[0];
  assert.equal(step.outputFile, `state/runs/${run.id}/b.out`);
  assert.equal(readFileSync(join(dir, step.outputFile), 'utf8').length, 50_000);
  assert.ok(step.output.length < 3000);
  const doctor = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(doctor.code, 0, `${doctor.stdout}: the run's output folder is not an orphan`);
});

test('each run shows on the board as a workstream of tasks reserved for the runner', (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: two\n    steps:\n      - { id: a, agent: echo, task: one }\n      - { id: b, agent: echo, task: two, deps: [a] }`,
  );
  const run = orcJson(dir, ['run', '--flow', 'two', 'go']);
  const tasks = orcJson(dir, ['t', 'list', '--ws', `run-${run.id.slice(2)}`]);
  assert.deepEqual(tasks.map((x) => [x.title, x.status]).sort(), [
    ['a: one', 'done'],
    ['b: two', 'done'],
  ]);
  assert.ok(tasks.every((x) => x.tags.includes('for:orc-runner')));
  const status = orcJson(dir, ['status']);
  assert.ok(status.workstreams.some((w) => w.name === `run-${run.id.slice(2)}` && w.counts.done === 2));
});

test('gates: the run waits with the output held; approve continues it, reject fails it', async (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: gated
    steps:
      - { id: draft, agent: echo, task: write a draft, gate: after }
      - { id: publish, agent: counter, task: publish it, deps: [draft] }`,
  );
  const first = orc(['--dir', dir, '--json', 'run', '--flow', 'gated', 'ship']);
  assert.equal(first.code, 0, first.stderr);
  const run = first.json();
  assert.equal(run.status, 'waiting_approval');
  assert.deepEqual(stepStatus(run), { draft: 'waiting_approval', publish: 'pending' });
  assert.match(run.steps[0].output, /write a draft/, 'the output is held for review');
  const approved = orc([
    '--dir',
    dir,
    '--json',
    'approve',
    run.id,
    'draft',
    '--note',
    'looks good',
    '--actor',
    'ann',
  ]);
  assert.equal(approved.code, 0, approved.stderr);
  const done = await waitForRun(dir, run.id, (r) => r.status === 'complete');
  assert.deepEqual(done.steps[0].decision.by, 'ann');
  assert.equal(orc(['--dir', dir, 'approve', run.id, 'draft']).code, 4, 'a second approval is refused');

  const second = orcJson(dir, ['run', '--flow', 'gated', 'ship again']);
  const rejected = orc(['--dir', dir, '--json', 'reject', second.id, '--reason', 'off-brand']);
  assert.equal(rejected.code, 0, rejected.stderr);
  const failed = await waitForRun(dir, second.id, (r) => r.status === 'failed');
  assert.deepEqual(stepStatus(failed), { draft: 'rejected', publish: 'skipped' });
  assert.equal(orc(['--dir', dir, 'reject', second.id, 'draft']).code, 2, 'a rejection needs a reason');
  const events = readEventsFile(dir).map((e) => e.type);
  assert.ok(events.includes('run.step_approved') && events.includes('run.step_rejected'));
});

test('a before gate holds the step before it starts; two gates waiting at once each fire', async (t) => {
  const { dir, counts } = runWorkspace(
    t,
    `  - id: risky
    steps:
      - { id: left, agent: counter, task: drop the table, gate: before }
      - { id: right, agent: counter, task: drop the index, gate: before }
      - { id: done, agent: echo, task: report, deps: [left, right] }`,
  );
  const run = orcJson(dir, ['run', '--flow', 'risky', 'migrate']);
  assert.deepEqual(stepStatus(run), { left: 'waiting_approval', right: 'waiting_approval', done: 'pending' });
  assert.deepEqual(executions(counts), {}, 'nothing ran before approval');
  assert.equal(orc(['--dir', dir, 'approve', run.id]).code, 2, 'two steps wait: the step must be named');
  assert.equal(orc(['--dir', dir, 'approve', run.id, 'left']).code, 0);
  assert.equal(orc(['--dir', dir, 'approve', run.id, 'right']).code, 0);
  await waitForRun(dir, run.id, (r) => r.status === 'complete');
  assert.deepEqual(executions(counts), { left: 1, right: 1 });
});

test('two approvals at the same moment continue the run once; no step runs twice', async (t) => {
  const { dir, counts } = runWorkspace(
    t,
    `  - id: once
    steps:
      - { id: go, agent: counter, task: act, gate: before }
      - { id: next, agent: counter, task: follow, deps: [go] }`,
  );
  const run = orcJson(dir, ['run', '--flow', 'once', 'do it']);
  const results = await Promise.all([1, 2, 3].map(() => orcAsync(['--dir', dir, 'approve', run.id, 'go'])));
  assert.deepEqual(results.map((r) => r.code).sort(), [0, 4, 4]);
  await waitForRun(dir, run.id, (r) => r.status === 'complete');
  await sleep(500);
  assert.deepEqual(executions(counts), { go: 1, next: 1 });
});

test('resume after the runner is killed: done steps are not repeated, the running one runs again', async (t) => {
  const { dir, counts } = runWorkspace(
    t,
    `  - id: chain
    steps:
      - { id: one, agent: counter, task: first }
      - { id: two, agent: slow, task: second, deps: [one] }
      - { id: three, agent: counter, task: third, deps: [two] }`,
  );
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./helpers.js');
  const runner = spawn(process.execPath, [BIN, '--dir', dir, 'run', '--flow', 'chain', 'go'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 15_000;
  while (!executions(counts).two && Date.now() < deadline) await sleep(50);
  runner.kill('SIGKILL');
  await new Promise((resolve) => runner.on('close', resolve));
  const id = orcJson(dir, ['run', 'list'])[0].id;
  assert.equal(
    orcJson(dir, ['run', 'status', id]).steps[1].status,
    'running',
    'left running by the dead runner',
  );
  const resumed = orc(['--dir', dir, '--json', 'run', 'resume', id]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.json().status, 'complete');
  assert.deepEqual(executions(counts), { one: 1, two: 2, three: 1 });
  assert.ok(readEventsFile(dir).some((e) => e.type === 'run.step_requeued' && e.subject === `${id}/two`));
});

test('external agents take their steps from the board with t next and report back', async (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: review
    steps:
      - { id: code, agent: echo, task: write code }
      - { id: review, agent: claude, task: review the code, deps: [code] }`,
    `  - id: claude
    name: Claude Code
    description: a coding session that takes work from the board
    capabilities: [review]`,
  );
  orcJson(dir, ['a', 'register', 'claude']);
  orcJson(dir, ['a', 'register', 'someone-else']);
  const started = orcJson(dir, ['run', '--flow', 'review', '--detach', 'ship it']);
  let task = null;
  const deadline = Date.now() + 15_000;
  while (!task && Date.now() < deadline) {
    assert.equal(orcJson(dir, ['t', 'next', 'someone-else']), null, 'the step is reserved for its agent');
    task = orcJson(dir, ['t', 'next', 'claude']);
    if (!task) await sleep(200);
  }
  assert.ok(task, 'claude got the step');
  assert.match(task.title, /^review: review the code/);
  orcJson(dir, ['t', 'complete', task.id, 'LGTM', '--agent', 'claude']);
  const run = await waitForRun(dir, started.id, (r) => r.status === 'complete');
  assert.equal(run.steps[1].output, 'LGTM');
});

test('cancel stops a running run and its steps', async (t) => {
  const { dir } = runWorkspace(t, `  - id: long\n    steps:\n      - { id: s, agent: slow, task: wait }`);
  const started = orcJson(dir, ['run', '--flow', 'long', '--detach', 'go']);
  await waitForRun(dir, started.id, (r) => r.steps[0].status === 'running');
  assert.equal(orc(['--dir', dir, 'run', 'cancel', started.id]).code, 0);
  const run = await waitForRun(dir, started.id, (r) => r.status === 'cancelled');
  assert.equal(run.steps[0].status, 'cancelled');
  assert.equal(orc(['--dir', dir, 'run', 'cancel', started.id]).code, 4);
});

test('LLM agents and the LLM planner, end to end through orc run and a local OpenAI-compatible server', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm((body) => {
    const system = body.messages[0].content;
    if (system.startsWith('You plan work')) {
      return 'Plan below.\n```json\n{"steps":[{"id":"facts","agent":"echo","task":"gather the facts","deps":[]},{"id":"story","agent":"writer","task":"write the story","deps":["facts"]}]}\n```';
    }
    return `STORY from ${body.model}: ${body.messages[1].content.includes('### facts (agent echo)') ? 'saw the facts' : 'no facts'}`;
  });
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    '  []',
    `  - id: writer
    name: Writer
    description: writes stories
    capabilities: [writing]
    system_prompt: You write short stories.
providers:
  local:
    api_key: \${FAKE_KEY}
    base_url: ${server.url}
    model: story-model
    max_retries: 0`,
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n'),
  );
  // Async: a synchronous spawn would block this process, and with it the fake server.
  const run = await orcAsync(['--dir', dir, '--json', 'run', 'tell the story of the release'], {
    env: { FAKE_KEY: 'sk-fake-key-123' },
  });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.plan.source, 'llm');
  assert.deepEqual(stepStatus(result), { facts: 'done', story: 'done' });
  assert.equal(result.steps[1].output, 'STORY from story-model: saw the facts');
  const agentCall = server.requests.find((r) => r.body.messages[0].content === 'You write short stories.');
  assert.match(agentCall.body.messages[1].content, /## Your step\nwrite the story/);
  const stored =
    JSON.stringify(readEventsFile(dir)) + readFileSync(join(dir, 'state/runs', `${result.id}.json`), 'utf8');
  assert.ok(!stored.includes('sk-fake-key-123'), 'the key is in no event and no run file');
});

test('a failing provider fails the LLM step (and the run), naming the provider, not the key', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm(() => ({ status: 503 }));
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    '  - id: one\n    steps:\n      - { id: s, agent: writer, task: write }',
    `  - id: writer
    name: Writer
    description: writes
    provider: local
providers:
  local: { api_key: sk-never-shown, base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const run = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'one', 'go']);
  assert.equal(run.code, 12);
  assert.match(run.stderr, /provider local failed: HTTP 503/);
  assert.ok(!run.stderr.includes('sk-never-shown'));
});

test('on a terminal, orc run shows a live step table (line by line otherwise)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./helpers.js');
  const { dir } = runWorkspace(
    t,
    `  - id: two\n    steps:\n      - { id: first, agent: counter, task: one }\n      - { id: second, agent: echo, task: two, deps: [first] }`,
  );
  // `script` gives the command a real pseudo-terminal, as a person's shell would.
  const command = `"${process.execPath}" "${BIN}" --dir "${dir}" run --flow two go`;
  const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(tty.status, 0, tty.stdout);
  assert.equal(tty.stdout.match(/┌.*┐/g)?.length, 1, 'a table is drawn, once');
  const ESC = String.fromCharCode(27);
  assert.doesNotMatch(tty.stdout, new RegExp(`${ESC}\\[0J`), 'never cleared and drawn again');
  // Only the row of a step that changed is rewritten: up to its row, over it, and back down.
  const rewrites = [
    ...tty.stdout.matchAll(new RegExp(`${ESC}\\[(\\d+)A\r│ (\\w+) +│ \\w+ +│ (\\w+) `, 'g')),
  ].map((m) => `${m[2]} ${m[3]} ${m[1]}`);
  assert.deepEqual(rewrites.at(-1), 'second done 2', 'the last row rewritten: second, done, two lines up');
  assert.ok(rewrites.includes('first done 3'), rewrites.join('; '));
  assert.ok(
    rewrites.every((r) => !r.startsWith('step ')),
    'the header is never rewritten',
  );
  const pipe = orc(['--dir', dir, 'run', '--flow', 'two', 'again']);
  assert.equal(pipe.code, 0);
  assert.doesNotMatch(pipe.stdout, /┌/, 'no table when not on a terminal');
  assert.match(pipe.stdout, /second \(echo\) done/);
});

test('orc run with one word close to a subcommand suggests it and runs nothing; a real task still runs', (t) => {
  const { dir } = runWorkspace(t, '');
  const before = snapshot(dir);
  for (const [word, meant] of [
    ['stauts', 'status'],
    ['lsit', 'list'],
    ['help', '--help'],
    ['cancle', 'cancel'],
    ['Resmue', 'resume'],
    ['wtach', 'watch'],
  ]) {
    const run = orc(['--dir', dir, 'run', word]);
    assert.equal(run.code, 2, `${word}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`did you mean \`[^\`]*run ${meant}\`\\?`));
    assert.equal(run.stderr.trim().split('\n').length, 1);
    const json = orc(['--dir', dir, '--json', 'run', word]);
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stderr).error.code, 'INVALID_INPUT');
  }
  assert.equal(snapshot(dir), before, 'nothing stored changed');
  const real = orc(['--dir', dir, '--json', 'run', 'echo', 'the', 'status']);
  assert.equal(real.code, 0, real.stderr);
  assert.equal(real.json().status, 'complete');
});
