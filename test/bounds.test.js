// Every number and duration has bounds, checked where it enters (flags, orchestrator.yaml, library
// options), and `config check` validates every section a command reads: a bad value is one line and
// exit 2 naming the field and the accepted range, never "internal error", and nothing stored changes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock, claimTask, findWorkspace, nextTask } from '../dist/lib/index.js';
import { orc, orcJson, snapshot, tempWorkspace } from './helpers.js';

function seeded(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  const task = orcJson(dir, ['t', 'add', 'build', 'Ship v1']);
  return { dir, task };
}

/** Asserts the refusal: exit 2, one line on stderr, no stack, nothing on stdout. */
function refused(run, message, label) {
  assert.equal(run.code, 2, `${label}: exit ${run.code}, stderr ${run.stderr}`);
  assert.equal(run.stderr.trim().split('\n').length, 1, `${label}: one line: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, label);
  assert.match(run.stderr, message, label);
}

const deep = (n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;

const BAD_FLAGS = [
  [['t', 'next', 'a1', '--ttl', '100000000d'], /--ttl "100000000d" is too long: .*1ms to 365d/],
  [['t', 'claim', 'TASK', 'a1', '--ttl', '366d'], /--ttl "366d" is too long: .*1ms to 365d/],
  [['t', 'claim', 'TASK', 'a1', '--ttl', '1e400'], /--ttl "1e400" is not a duration: .*1ms to 365d/],
  [['lock', 'acquire', 'db', 'a1', '--ttl', '99999999999d'], /--ttl .* 1ms to 365d/],
  [['lock', 'acquire', 'db', 'a1', '--wait', '400d'], /--wait "400d" is too long/],
  [['a', 'heartbeat', 'a1', '--ttl', '0.0001ms'], /--ttl .* must be greater than zero: .*1ms to 365d/],
  [['log', 'deploy.done', deep(5000)], /event data nests deeper than 64 levels/],
];

test('a duration flag out of range or JSON nested thousands deep: exit 2, one line with the range', (t) => {
  const { dir, task } = seeded(t);
  for (const [args, message] of BAD_FLAGS) {
    const argv = args.map((a) => (a === 'TASK' ? task.id : a));
    const label = `orc ${argv.join(' ').slice(0, 80)}`;
    const before = snapshot(dir);
    refused(orc(['--dir', dir, ...argv]), message, label);
    assert.equal(snapshot(dir), before, `${label}: nothing stored changed`);
  }
  // The bounds themselves are accepted.
  assert.equal(orcJson(dir, ['t', 'next', 'a1', '--ttl', '365d']).id, task.id);
  orcJson(dir, ['lock', 'acquire', 'db', 'a1', '--ttl', '1ms']);
  orcJson(dir, ['log', 'deploy.done', deep(60)]);
});

test('library options in milliseconds are bounded too: INVALID_INPUT naming the field', async (t) => {
  const { dir, task } = seeded(t);
  const ws = findWorkspace({ dir });
  const before = snapshot(dir);
  for (const [call, field] of [
    () => claimTask(ws, task.id, 'a1', { ttlMs: 1e20 }),
    () => nextTask(ws, { agent: 'a1', ttlMs: Number.POSITIVE_INFINITY }),
    () => acquireLock(ws, 'db', 'a1', { ttlMs: -1 }),
  ].map((f, i) => [f, ['ttlMs', 'ttlMs', 'ttlMs'][i]])) {
    await assert.rejects(call, (e) => e.code === 'INVALID_INPUT' && e.message.includes(field));
  }
  assert.equal(snapshot(dir), before);
});

const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
].join('\n');

// Each config `config check` must refuse, with the problem it must name (on stdout, one per line).
const BAD_CONFIGS = [
  ['version: 99\n', /version: must be 1, not "99"/],
  ['board: 5\n', /board: must be a mapping/],
  ['board:\n  claim_ttl: -5\n', /board\.claim_ttl -5 must be greater than zero: .*1ms to 365d/],
  ['board:\n  claim_ttl: 99999999999d\n', /board\.claim_ttl "99999999999d" is too long: .*1ms to 365d/],
  ['board:\n  lock_ttl: 1e400\n', /board\.lock_ttl Infinity is too long: .*1ms to 365d/],
  ['board:\n  stale_after: soon\n', /board\.stale_after "soon" is not a duration/],
  ['redis:\n  url: "redis://user:secret@[zz"\n', /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/],
  ['reflection:\n  threshold: 0\n', /reflection\.threshold: must be a whole number from 1 to 1000/],
  ['reflection:\n  approval_rate: 7\n', /reflection\.approval_rate: must be a number from 0 to 1/],
  ['reflection: [1]\n', /reflection: must be a mapping/],
  ['concurrency: 1e400\n', /concurrency: must be a whole number from 1 to 256/],
  ['concurrency: "0x10"\n', /concurrency: must be a whole number from 1 to 256/],
  [
    'providers:\n  p:\n    model: m\n    timeout: 1e400\n',
    /providers\.p\.timeout Infinity is too long: .*1ms to 365d/,
  ],
  [`${ALIAS_BOMB}\n`, /expands more than 100 YAML aliases/],
];

test('config check reports every bad section; the board commands refuse the same config in one line', (t) => {
  const { dir } = seeded(t);
  for (const [yaml, problem] of BAD_CONFIGS) {
    writeFileSync(join(dir, 'orchestrator.yaml'), yaml);
    const label = yaml.split('\n')[0];
    const check = orc(['--dir', dir, 'config', 'check']);
    assert.equal(check.code, 2, `${label}: config check exit ${check.code}`);
    assert.match(check.stdout, problem, `${label}: ${check.stdout}`);
    assert.doesNotMatch(check.stdout, /secret/, `${label}: no password shown`);
    const json = orc(['--dir', dir, '--json', 'config', 'check']);
    assert.ok(
      JSON.parse(json.stdout).problems.some((p) => problem.test(p)),
      label,
    );
    // A command that reads the section either works or says what is wrong: never "internal error".
    const before = snapshot(dir);
    const next = orc(['--dir', dir, 't', 'next', 'a1']);
    if (/^board|^a:/.test(yaml)) refused(next, /orchestrator\.yaml/, `${label}: t next`);
    else assert.equal(next.code, 0, `${label}: t next: ${next.stderr}`);
    orc(['--dir', dir, 't', 'release', 'any', 'a1']); // undo a claim the good cases made
    if (next.code !== 0) assert.equal(snapshot(dir), before, `${label}: nothing stored changed`);
  }
});

test('a config that config check calls ok, at the edges of every range, fails no command', (t) => {
  const { dir, task } = seeded(t);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    [
      'version: 1',
      'board:',
      '  claim_ttl: 365d',
      '  lock_ttl: 0.001',
      '  stale_after: 365d',
      'reflection:',
      '  threshold: 1000',
      '  min_decisions: 0',
      '  approval_rate: 1',
      '  window_days: 3650',
      'memory:',
      '  budget: 1000000',
      'concurrency: 256',
      'redis:',
      '  url: redis://user:pw@127.0.0.1:1/0',
      '  unserved_after: 365d',
      'providers:',
      '  p:',
      '    model: m',
      '    timeout: 365d',
      'mcp:',
      '  tools: core',
      '',
    ].join('\n'),
  );
  const check = orcJson(dir, ['config', 'check']);
  assert.equal(check.ok, true);
  assert.equal(orcJson(dir, ['t', 'next', 'a1']).id, task.id);
  orcJson(dir, ['a', 'heartbeat', 'a1']);
  orcJson(dir, ['lock', 'acquire', 'db', 'a1']);
  orcJson(dir, ['a', 'list']);
  orcJson(dir, ['t', 'list']);
  orcJson(dir, ['reflect']);
});
