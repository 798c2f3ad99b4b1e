// Hostile input through all three front ends from one table: the CLI (the real binary), the HTTP API
// (`orc serve`) and the MCP server (`orc mcp`, through the SDK's client). Each case must end in one
// line naming the problem, with its code and no stack, and leave the workspace byte-identical. They
// reach the same operation (lib/operations), so they must refuse the same way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, ROOT, orc, orcAsync, orcJson, snapshot, tempDir } from './helpers.js';
import { call, startServe } from './http-helpers.js';
import { connect, serverEnv } from './mcp-helpers.js';
import { runWorkspace } from './run-helpers.js';

const FLOWS = '  - id: hello\n    steps:\n      - { id: greet, agent: echo, task: say hello }';
const BIG = 'r'.repeat(130_000);
const ESC = '\u001b[2J\u001b]0;pwned\u0007';

/**
 * The table: what each front end sends for the same hostile input, the code every one must answer,
 * and the message (the CLI names flags where HTTP and MCP name fields, so a pattern may allow both).
 * `TASK` in a case stands for the id of a task that ada holds.
 */
const CASES = [
  {
    name: 'a workstream name that climbs out of its folder',
    cli: ['t', 'add', '../../etc', 'x'],
    http: ['POST', '/api/tasks', { workstream: '../../etc', title: 'x' }],
    mcp: ['task_add', { workstream: '../../etc', title: 'x' }],
    message: /workstream "\.\.\/\.\.\/etc" is not a valid name/,
  },
  {
    name: 'a title carrying terminal escapes',
    cli: ['t', 'add', 'main', `x${ESC}`],
    http: ['POST', '/api/tasks', { workstream: 'main', title: `x${ESC}` }],
    mcp: ['task_add', { workstream: 'main', title: `x${ESC}` }],
    message: /title .* must be one line of at most 200 characters/,
  },
  {
    name: 'a number where a number is wanted, typed as a word',
    cli: ['t', 'add', 'main', 'x', '', 'high'],
    http: ['POST', '/api/tasks', { workstream: 'main', title: 'x', priority: 'high' }],
    mcp: ['task_add', { workstream: 'main', title: 'x', priority: 'high' }],
    message: /priority must be a whole number, not the string "high"/,
  },
  {
    name: 'a priority out of range',
    cli: ['t', 'add', 'main', 'x', '', '12'],
    http: ['POST', '/api/tasks', { workstream: 'main', title: 'x', priority: 12 }],
    mcp: ['task_add', { workstream: 'main', title: 'x', priority: 12 }],
    message: /priority "?12"? must be a whole number from 0/,
  },
  {
    name: 'a result of 130 KB',
    cli: ['t', 'complete', 'TASK', BIG, '--agent', 'ada'],
    http: ['POST', '/api/tasks/TASK/complete', { result: BIG, agent: 'ada' }],
    mcp: ['task_complete', { id: 'TASK', result: BIG, agent: 'ada' }],
    message: /result is 130,000 characters: the limit is 20,000/,
  },
  {
    name: 'a lease of a hundred million days',
    cli: ['t', 'next', 'ada', '--ttl', '100000000d'],
    http: ['POST', '/api/tasks/next', { agent: 'ada', ttl: '100000000d' }],
    mcp: ['task_next', { agent: 'ada', ttl: '100000000d' }],
    message: /(--)?ttl "100000000d" is too long: give a duration from 1ms to 365d/,
  },
  {
    name: 'an agent id with a line break',
    cli: ['a', 'register', 'ada\nforged'],
    http: ['POST', '/api/agents', { id: 'ada\nforged' }],
    mcp: ['agent_register', { id: 'ada\nforged' }],
    message: /agent "ada forged" is not a valid name/,
  },
  {
    name: 'a lock resource with an escape sequence',
    cli: ['lock', 'acquire', `src/${ESC}`, 'ada'],
    http: ['POST', '/api/locks', { resource: `src/${ESC}`, agent: 'ada' }],
    mcp: ['lock_acquire', { resource: `src/${ESC}`, agent: 'ada' }],
    message: /resource .* must be 1 to 200 printable characters/,
  },
  {
    name: 'a knowledge document named outside knowledge/',
    cli: ['kb', 'write', '../../outside', 'text'],
    http: ['POST', '/api/knowledge', { name: '../../outside', content: 'text' }],
    mcp: ['kb_write', { name: '../../outside', content: 'text' }],
    message: /name "\.\.\/\.\.\/outside"/,
  },
  {
    name: 'a search asking for no documents',
    cli: ['kb', 'search', 'deploy', '-k', '0'],
    http: ['GET', '/api/knowledge/search?q=deploy&k=0'],
    mcp: ['kb_search', { query: 'deploy', k: 0 }],
    message: /k must be at least 1, not 0/,
  },
  {
    name: 'a run payload key that is not a name',
    cli: ['run', '--flow', 'hello', 'go', '--payload', '../x=1'],
    http: ['POST', '/api/runs', { task: 'go', flow: 'hello', payload: { '../x': '1' } }],
    mcp: ['orchestrator_run', { task: 'go', flow: 'hello', payload: { '../x': '1' } }],
    message: /payload key "\.\.\/x" is not a valid name/,
  },
  {
    name: 'a plan from the model whose step id climbs out of the run folder',
    cli: ['run', 'do the thing'],
    http: ['POST', '/api/runs', { task: 'do the thing' }],
    mcp: ['orchestrator_run', { task: 'do the thing' }],
    message: /step id ".*pwned" is not a valid name/,
  },
  {
    name: 'an event type that would forge a line of the log',
    cli: ['log', 'deploy.done\n{"type":"forged"}'],
    http: ['POST', '/api/events', { type: 'deploy.done\n{"type":"forged"}' }],
    mcp: null, // MCP has no tool that logs a custom event
    message: /event type .* must be a dotted name/,
  },
];

/** A workspace with a workstream, a registered agent holding a task, knowledge, and a hostile model. */
async function hostileWorkspace(t) {
  const outside = tempDir(t, 'orc-outside-');
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const model = await startFakeLlm(() =>
    JSON.stringify({
      steps: [
        { id: `../../../../../../../../${outside.slice(1)}/pwned`, agent: 'echo', task: 'x', deps: [] },
      ],
    }),
  );
  t.after(() => model.close());
  const { dir } = runWorkspace(t, FLOWS);
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    `${readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n')}providers:\n  local:\n    api_key: sk-x\n    base_url: ${model.url}\n    model: m\n    max_retries: 0\n`,
  );
  orcJson(dir, ['ws', 'create', 'main']);
  orcJson(dir, ['a', 'register', 'ada']);
  orcJson(dir, ['t', 'add', 'main', 'deploy the service']);
  const task = orcJson(dir, ['t', 'next', 'ada']);
  orcJson(dir, ['kb', 'write', 'guides/deploy', '# Deploy\n\nblue-green']);
  orcJson(dir, ['kb', 'search', 'deploy']); // the index is built before the first snapshot
  return { dir, task: task.id, outside };
}

const withTask = (value, task) => JSON.parse(JSON.stringify(value).replaceAll('TASK', task));

function oneLine(label, text, message) {
  assert.match(text, message, label);
  assert.doesNotMatch(text, /\n.|\n\s+at |internal error/i, `${label}: one line, no stack`);
  assert.ok(!text.includes('\u001b'), `${label}: no raw escape`);
}

test('one table of hostile inputs, refused the same way by the CLI, the HTTP API and the MCP server', async (t) => {
  const { dir, task, outside } = await hostileWorkspace(t);
  const { url } = await startServe(t, dir);
  const mcp = await connect(t, dir);
  for (const c of CASES) {
    const before = snapshot(dir);
    const cli = await orcAsync(['--dir', dir, ...withTask(c.cli, task)]);
    assert.equal(cli.code, 2, `CLI, ${c.name}: ${cli.stderr}`);
    assert.equal(cli.stdout, '', `CLI, ${c.name}`);
    oneLine(`CLI, ${c.name}`, cli.stderr.trimEnd(), c.message);
    const json = await orcAsync(['--dir', dir, '--json', ...withTask(c.cli, task)]);
    assert.equal(JSON.parse(json.stderr).error.code, 'INVALID_INPUT', `CLI --json, ${c.name}`);

    const [method, path, body] = withTask(c.http, task);
    const res = await call(url, path, { method, body });
    assert.equal(res.status, 400, `HTTP, ${c.name}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'INVALID_INPUT', `HTTP, ${c.name}`);
    oneLine(`HTTP, ${c.name}`, res.body.error.message, c.message);

    if (c.mcp) {
      const [tool, args] = withTask(c.mcp, task);
      const text = await mcp.fails(tool, args);
      assert.match(text, /^INVALID_INPUT: /, `MCP, ${c.name}`);
      oneLine(`MCP, ${c.name}`, text, c.message);
    }
    assert.equal(snapshot(dir), before, `${c.name}: nothing stored changed`);
  }
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the workspace');
});

test('errors carry their details in every front end: the field at fault, every problem', async (t) => {
  const { dir } = await hostileWorkspace(t);
  const { url } = await startServe(t, dir);
  const mcp = await connect(t, dir);
  const input = { workstream: 'main', title: 7, priority: 'high' };
  const http = await call(url, '/api/tasks', { body: input });
  const result = await mcp.client.callTool({ name: 'task_add', arguments: input });
  const cli = orc(['--dir', dir, '--json', 't', 'list', '--status', 'weird']);
  const problems = [
    { field: 'title', message: 'must be a string, not 7' },
    { field: 'priority', message: 'must be a whole number, not the string "high"' },
  ];
  assert.deepEqual(http.body.error.details, { field: 'title', problems });
  assert.deepEqual(result.structuredContent.error.details, { field: 'title', problems });
  assert.equal(JSON.parse(cli.stderr).error.details.field, 'status');
  assert.match(JSON.parse(cli.stderr).error.message, /^--status must be one of/, 'the CLI names its flag');
});

/** Sends raw lines to `orc mcp` and collects the JSON-RPC replies, one per line. */
async function rawMcp(t, dir, lines, replies) {
  const child = spawn(process.execPath, [BIN, '--dir', dir, 'mcp'], { cwd: ROOT, env: serverEnv() });
  t.after(() => child.kill());
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  for (const line of lines) child.stdin.write(line);
  for (let i = 0; i < 400 && out.split('\n').filter(Boolean).length < replies; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  child.stdin.end();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  return {
    replies: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    code,
    stderr: err,
  };
}

test('MCP: a malformed line, a message that is not JSON-RPC and one over the size limit each get an error reply, and the server goes on', async (t) => {
  const { dir } = await hostileWorkspace(t);
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
  const { replies, code, stderr } = await rawMcp(
    t,
    dir,
    [
      '{"jsonrpc": "2.0", "id": 7, "method": \n',
      '{"hello": "world", "id": 8}\n',
      `{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"pad":"${'x'.repeat(11 * 1024 * 1024)}"}}\n`,
      `${JSON.stringify(init)}\n`,
      `${JSON.stringify(list)}\n`,
    ],
    5,
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    replies.slice(0, 3).map((r) => [r.id, r.error?.code]),
    [
      [null, -32700],
      [8, -32600],
      [null, -32600],
    ],
  );
  assert.match(replies[0].error.message, /^INVALID_INPUT: the line is not JSON/);
  assert.match(replies[2].error.message, /^INVALID_INPUT: a message over 10485760 bytes was refused/);
  assert.equal(replies[3].id, 1, 'the server still answers');
  assert.ok(replies[4].result.tools.length > 10);
});

/** Every byte of a tree, links not followed, as one string. */
function everything(dir) {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? everything(path) : readFileSync(path, 'latin1');
  }
  return text;
}

test('a provider key exported for orc never reaches an agent, the workspace or any output, whichever front end starts the run', async (t) => {
  const KEY = 'sk-hostile-0123456789abcdefghij';
  const dump = JSON.stringify([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))']);
  const { dir } = runWorkspace(
    t,
    '  - id: dump\n    steps:\n      - { id: env, agent: envdump, task: print the environment }',
    `  - id: envdump\n    name: Env dump\n    description: prints its environment\n    command: ${dump}\n`,
  );
  const env = { OPENAI_API_KEY: KEY, ORC_TOKEN: 'test-token-0123456789abcdef' };
  const cli = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'dump', 'go'], { env });
  assert.equal(cli.code, 0, cli.stderr);
  const { url, output } = await startServe(t, dir, env);
  const started = await call(url, '/api/runs', { body: { task: 'go', flow: 'dump' } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const mcp = await connect(t, dir, [], env);
  const viaMcp = await mcp.ok('orchestrator_run', { task: 'go', flow: 'dump' });
  for (const id of [started.body.id, viaMcp.id]) {
    for (let i = 0; i < 400; i++) {
      if (['complete', 'failed'].includes(orcJson(dir, ['run', 'status', id]).status)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const run = orcJson(dir, ['run', 'status', id]);
    assert.equal(run.status, 'complete', JSON.stringify(run));
    assert.equal(JSON.parse(run.steps[0].output).OPENAI_API_KEY, undefined);
  }
  const where = {
    cli: cli.stdout + cli.stderr,
    http: JSON.stringify(started.body) + output().stdout + output().stderr,
    mcp: JSON.stringify(viaMcp) + mcp.stderr(),
    workspace: everything(dir),
  };
  for (const [label, text] of Object.entries(where)) assert.ok(!text.includes(KEY), `the key is in ${label}`);
});

test('a record that arrives by a merge is held to the rules of typed input: names, ids, one-line fields, texts', async () => {
  const { validateTask } = await import('../dist/lib/records/index.js');
  const task = {
    v: 1,
    id: 't-abcd1234',
    workstream: 'main',
    title: 'ship',
    description: 'line one\nline two\twith a tab',
    priority: 2,
    status: 'claimed',
    tags: ['db'],
    deps: [],
    claim: {
      agent: 'ada',
      token: 'tok',
      claimedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:30:00.000Z',
    },
    attempts: 1,
    result: null,
    reason: null,
    createdBy: 'ann',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  assert.equal(
    validateTask(task, 'state/tasks/t-abcd1234.json').id,
    task.id,
    'line breaks and tabs in texts are fine',
  );
  const hostile = [
    [{ workstream: '../../etc' }, /workstream: must be a name/],
    [{ title: `x${ESC}` }, /title: must be one line/],
    [{ title: 'a\nforged line' }, /title: must be one line/],
    [{ description: `x${ESC}` }, /description: must hold no control characters/],
    [{ claim: { ...task.claim, agent: 'ada\nbob' } }, /claim\.agent: must be a name/],
    [{ deps: ['../../x'] }, /deps\[0\]: must be a task id/],
    [{ tags: ['a b'] }, /tags\[0\]: must be a tag/],
    [{ createdBy: 'ann\u001b[2J' }, /createdBy: must be one line/],
  ];
  for (const [change, message] of hostile)
    assert.throws(
      () => validateTask({ ...task, ...change }, 'state/tasks/t-abcd1234.json'),
      (error) => error.code === 'CORRUPT' && message.test(error.message),
      JSON.stringify(change),
    );
});
