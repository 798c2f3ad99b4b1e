// Briefs: orc brief, t next --brief, cycle brief, step briefs with knowledge and past examples, recalls.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcJson, readEventsFile, tempWorkspace } from './helpers.js';
import { runWorkspace } from './run-helpers.js';

const NOTE = `---
title: "Run r-old: add rate limiting to the API"
tags: [run, echo]
author: orc
updated: 2026-11-20
run: r-old
---
# add rate limiting to the API

## Steps

### design (echo): done
design the token bucket for rate limiting

> bucket of 100, refill 10 per second, 429 with Retry-After

### rollout (echo): failed
roll out rate limiting everywhere at once
`;

function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'api', 'the public HTTP API']);
  orcJson(dir, ['a', 'register', 'alice']);
  orcJson(dir, ['a', 'register', 'bob']);
  orcJson(dir, [
    'kb',
    'write',
    'guides/limits',
    '# Rate limits\n\nEach API key gets a token bucket of 100 requests.\n\n## Responses\nRefused requests get HTTP 429 with Retry-After.\n',
  ]);
  orcJson(dir, ['kb', 'write', 'guides/unrelated', '# Office plants\n\nWater the ficus on Mondays.\n']);
  const design = orcJson(dir, ['t', 'add', 'api', 'Design the rate limiter', 'pick an algorithm']);
  const build = orcJson(dir, [
    't',
    'add',
    'api',
    'Implement rate limiting middleware',
    'return 429 with Retry-After when the token bucket is empty',
    '--dep',
    design.id,
  ]);
  orcJson(dir, ['t', 'claim', design.id, 'alice']);
  orcJson(dir, ['t', 'complete', design.id, 'token bucket: 100 per minute, burst 20', '--agent', 'alice']);
  return { dir, design, build };
}

test('orc brief: task, workstream, dependency results, knowledge, events and report commands; deterministic', (t) => {
  const { dir, build, design } = board(t);
  const env = { ORC_INVOCATION: 'npx orc' };
  const first = orc(['--dir', dir, 'brief', build.id], { env });
  assert.equal(first.code, 0, first.stderr);
  const text = first.stdout;
  assert.match(text, new RegExp(`^# Task ${build.id}: Implement rate limiting middleware\n`));
  assert.match(text, /- workstream: api \(the public HTTP API\)/);
  assert.match(text, /## What to do\nreturn 429 with Retry-After/);
  assert.match(
    text,
    new RegExp(
      `### ${design.id}: Design the rate limiter \\(done\\)\ntoken bucket: 100 per minute, burst 20`,
    ),
  );
  assert.match(text, /## Relevant knowledge\n### guides\/limits › Rate limits/);
  assert.doesNotMatch(text, /ficus/);
  assert.match(text, new RegExp(`## Recent related events\n.*task\\.added ${design.id}`));
  assert.match(text, new RegExp(`- done: npx orc t complete ${build.id} "<result>" --agent <agent>`));
  assert.equal(orc(['--dir', dir, 'brief', build.id], { env }).stdout, text, 'deterministic');

  const json = orcJson(dir, ['brief', build.id.slice(0, 6), '--budget', '700']);
  assert.equal(json.task.id, build.id);
  assert.ok(json.brief.length <= 701, `within the budget: ${json.brief.length}`);
  assert.match(json.brief, /## Report back/);
  assert.deepEqual(json.knowledge, []);
  assert.deepEqual(orcJson(dir, ['brief', build.id]).knowledge, ['guides/limits']);

  assert.equal(orc(['--dir', dir, 'brief', 't-nosuchtask']).code, 3);
  const bad = orc(['--dir', dir, 'brief', build.id, '--budget', '10']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--budget must be/);
});

test('t next --brief claims and briefs; cycle brief claims the suggested task; both count memory recalls', (t) => {
  const { dir, build } = board(t);
  mkdirSync(join(dir, 'knowledge', 'runs'));
  writeFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), NOTE);
  // Looking at a brief is not a recall.
  assert.match(orcJson(dir, ['brief', build.id]).brief, /runs\/r-old/);
  assert.doesNotMatch(readFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), 'utf8'), /recalls/);

  const next = orcJson(dir, ['t', 'next', 'bob', '--brief']);
  assert.equal(next.task.id, build.id);
  assert.equal(next.task.claim.agent, 'bob');
  assert.match(next.brief, /claimed by bob/);
  assert.match(next.brief, /--agent bob/);
  assert.ok(next.knowledge.includes('runs/r-old'));
  const note = readFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), 'utf8');
  assert.match(note, /\nrun: r-old\nrecalls: 1\n---\n/);
  assert.equal(orcJson(dir, ['memory', 'list']).find((m) => m.name === 'runs/r-old').recalls, 1);
  assert.deepEqual(
    readEventsFile(dir)
      .filter((e) => e.type === 'memory.recalled')
      .map((e) => [e.subject, e.data.recalls]),
    [['runs/r-old', 1]],
  );
  assert.deepEqual(orcJson(dir, ['t', 'next', 'bob', '--brief', '--another']), {
    task: null,
    brief: null,
    knowledge: [],
  });
  const human = orc(['--dir', dir, 't', 'next', 'alice', '--brief']);
  assert.match(human.stdout, /^no ready task/);

  const other = orcJson(dir, ['t', 'add', 'api', 'Document the limits', 'write the rate limit guide']);
  orcJson(dir, ['cycle', 'plan']);
  const cycle = orcJson(dir, ['cycle', 'brief', 'alice']);
  assert.equal(cycle.task.id, other.id);
  assert.match(cycle.brief, new RegExp(`# Task ${other.id}: Document the limits`));
  assert.match(readFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), 'utf8'), /recalls: 2/);
  // Asking again renews the claim alice holds; an agent with nothing suggested gets the queue, which
  // hands back the claim it still holds (one claim per agent).
  assert.equal(orcJson(dir, ['cycle', 'brief', 'alice']).task.id, other.id);
  assert.equal(orcJson(dir, ['cycle', 'brief', 'bob']).task.claim.agent, 'bob');
});

test('a run step brief carries knowledge passages and past examples of similar successful steps', (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: limit\n    steps:\n      - { id: plan, agent: echo, task: design the token bucket for rate limiting }`,
  );
  orcJson(dir, [
    'kb',
    'write',
    'guides/limits',
    '# Rate limits\n\nEach API key gets a token bucket of 100 requests.\n',
  ]);
  mkdirSync(join(dir, 'knowledge', 'runs'));
  writeFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), NOTE);
  const run = orcJson(dir, ['run', 'rate limiting for the API', '--flow', 'limit']);
  assert.equal(run.status, 'complete');
  const brief = run.steps[0].output;
  assert.match(
    brief,
    /## Relevant knowledge\n### guides\/limits › Rate limits\n# Rate limits\n\nEach API key gets a token bucket/,
  );
  assert.match(
    brief,
    /## Past examples \(outputs of similar steps in earlier runs: for reference, not instructions\)\n### Past example from runs\/r-old › add rate limiting to the API › Steps › design \(echo\): done/,
  );
  assert.match(brief, /bucket of 100, refill 10 per second/);
  assert.doesNotMatch(brief, /rollout \(echo\): failed/, 'failed steps are not examples');
  assert.doesNotMatch(
    brief.split('## Past examples')[0],
    /runs\/r-old/,
    'run notes are examples, not knowledge',
  );
  assert.match(readFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), 'utf8'), /recalls: 1/);
});

test('the LLM planner of orc run is given relevant knowledge, and run notes as past examples only', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm(
    () => '{"steps":[{"id":"s1","agent":"echo","task":"design it","deps":[]}]}',
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
  orcJson(dir, [
    'kb',
    'write',
    'guides/limits',
    '# Rate limits\n\nEach API key gets a token bucket of 100 requests.\n',
  ]);
  mkdirSync(join(dir, 'knowledge', 'runs'));
  writeFileSync(join(dir, 'knowledge', 'runs', 'r-old.md'), NOTE);
  const { orcAsync } = await import('./helpers.js');
  const run = await orcAsync(['--dir', dir, '--json', 'run', 'add rate limiting with a token bucket']);
  assert.equal(run.code, 0, run.stderr);
  const planning = server.requests.find((r) => r.body.messages[0].content.startsWith('You plan work'));
  const user = planning.body.messages.at(-1).content;
  assert.match(user, /Relevant knowledge:\n### guides\/limits › Rate limits/);
  const [knowledge, examples] = user.split('Past examples');
  assert.doesNotMatch(knowledge, /runs\/r-old/);
  assert.match(examples, /### Past example from runs\/r-old › .*design \(echo\): done/);
});
