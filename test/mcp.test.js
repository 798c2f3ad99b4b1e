// `orc mcp` end to end: the SDK's own client spawns the real binary over stdio.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { BIN, ROOT, orc, orcJson, sleep, tempDir, tempWorkspace } from './helpers.js';
import { AGENTS, runWorkspace } from './run-helpers.js';
import { connect } from './mcp-helpers.js';

const ALL = [
  'orchestrator_run',
  'orchestrator_status',
  'orchestrator_approve',
  'orchestrator_list_runs',
  'orchestrator_list_agents',
  'orchestrator_reflect',
  'orchestrator_reflect_promote',
  'orchestrator_reflect_demote',
  'task_next',
  'task_complete',
  'task_fail',
  'task_add',
  'task_list',
  'kb_search',
  'kb_write',
  'lock_acquire',
  'lock_release',
  'events_recent',
  'task_show',
  'task_release',
  'agent_register',
  'agent_heartbeat',
  'workstream_list',
  'workstream_create',
  'task_note',
  'agent_prime',
];
const CORE = [
  'task_next',
  'task_complete',
  'task_fail',
  'kb_search',
  'orchestrator_run',
  'orchestrator_status',
];

const sorted = (names) => [...names].sort();
const BIN_PATTERN = `node ${BIN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;

const toolNames = async (client) => (await client.listTools()).tools.map((tool) => tool.name);

test('all tools by default; core by --tools, ORC_MCP_TOOLS or orchestrator.yaml; the flag wins', async (t) => {
  const dir = tempWorkspace(t);
  const all = await connect(t, dir);
  const { tools } = await all.client.listTools();
  assert.deepEqual(sorted(tools.map((tool) => tool.name)), sorted(ALL));
  for (const tool of tools) {
    assert.ok(tool.description.length > 10 && tool.description.length <= 120, `${tool.name}: one short line`);
    assert.doesNotMatch(tool.description, /\n/);
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.inputSchema.$schema, undefined, 'no $schema: it costs tokens');
  }
  const approve = tools.find((tool) => tool.name === 'orchestrator_approve').inputSchema;
  assert.deepEqual(approve.properties.approved, { type: 'boolean' });
  // run or the seed's run_id: either will do, so neither is required.
  assert.deepEqual(sorted(approve.required), ['approved']);
  assert.deepEqual(approve.properties.run_id, { type: 'string', description: 'same as run' });
  assert.ok(
    JSON.stringify(tools).length < 13_000,
    `all schemas stay compact (${JSON.stringify(tools).length})`,
  );

  const core = await connect(t, dir, ['--tools', 'core']);
  assert.deepEqual(sorted(await toolNames(core.client)), sorted(CORE));
  assert.match(
    await core.fails('task_add', { workstream: 'x', title: 'y' }),
    /^NOT_FOUND: no tool "task_add"/,
  );
  const byEnv = await connect(t, dir, [], { ORC_MCP_TOOLS: 'core' });
  assert.deepEqual(sorted(await toolNames(byEnv.client)), sorted(CORE));
  const flagWins = await connect(t, dir, ['--tools', 'all'], { ORC_MCP_TOOLS: 'core' });
  assert.deepEqual(sorted(await toolNames(flagWins.client)), sorted(ALL));

  const config = join(dir, 'orchestrator.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8')}\nmcp:\n  tools: core\n`);
  const byConfig = await connect(t, dir);
  assert.deepEqual(sorted(await toolNames(byConfig.client)), sorted(CORE));
  const overConfig = await connect(t, dir, ['--tools', 'all']);
  assert.deepEqual(sorted(await toolNames(overConfig.client)), sorted(ALL));

  const bad = orc(['--dir', dir, '--json', 'mcp', '--tools', 'some'], { input: '' });
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '', 'nothing but the protocol on stdout');
  assert.match(JSON.parse(bad.stderr.trim()).error.message, /--tools must be core or all/);
});

test('the board through MCP: add, next with its brief, complete, fail, list, knowledge, locks, events', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend', 'API and storage', '1']);
  const mcp = await connect(t, dir);

  const added = await mcp.ok('task_add', {
    workstream: 'backend',
    title: 'Design the schema',
    description: 'Tables for users and orders',
    priority: 1,
    tags: ['db'],
  });
  assert.match(added.id, /^t-/);
  assert.equal(orcJson(dir, ['t', 'show', added.id]).title, 'Design the schema', 'written to the workspace');

  const next = await mcp.ok('task_next', { agent: 'ada' });
  assert.equal(next.task.id, added.id);
  assert.equal(next.task.status, 'claimed');
  assert.equal(next.task.claim.agent, 'ada');
  assert.match(next.brief, new RegExp(`^# Task ${added.id}: Design the schema`));
  assert.match(next.brief, /## What to do\nTables for users and orders/);
  // The exact invocation that works where the server runs, never a bare `orc` that may not be on PATH.
  assert.match(next.brief, new RegExp(`${BIN_PATTERN} t complete ${added.id} "<result>" --agent ada`));
  assert.deepEqual(
    orcJson(dir, ['a', 'list']).map((a) => a.id),
    ['ada'],
    'task_next registered the new agent',
  );
  const again = await mcp.ok('task_next', { agent: 'ada' });
  assert.deepEqual(
    [again.task.id, again.task.claim.token],
    [added.id, next.task.claim.token],
    'an agent holding a live claim gets it back',
  );

  const done = await mcp.ok('task_complete', { id: added.id, agent: 'ada', result: 'in db/schema.sql' });
  assert.equal(done.status, 'done');
  assert.equal(orcJson(dir, ['t', 'show', added.id]).result, 'in db/schema.sql');

  // Someone else's claim: CLAIM_LOST for the wrong agent; the holder's token works.
  const second = await mcp.ok('task_add', { workstream: 'backend', title: 'Build the orders API' });
  const bob = await mcp.ok('task_next', { agent: 'bob', ttl: '10m' });
  assert.equal(bob.task.id, second.id);
  assert.match(await mcp.fails('task_fail', { id: second.id, reason: 'no', agent: 'ada' }), /^CLAIM_LOST: /);
  const failed = await mcp.ok('task_fail', {
    id: second.id,
    reason: 'blocked on auth',
    token: bob.task.claim.token,
  });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.reason, 'blocked on auth');

  // No drift: a task the CLI adds between two calls is seen by the next one.
  const before = await mcp.ok('task_list', { workstream: 'backend' });
  assert.equal(before.length, 2);
  const byCli = orcJson(dir, ['t', 'add', 'backend', 'Added by the CLI']);
  const after = await mcp.ok('task_list', { workstream: 'backend' });
  assert.deepEqual(after.map((task) => task.id).sort(), [added.id, second.id, byCli.id].sort());
  assert.deepEqual(
    (await mcp.ok('task_list', { ready: true })).map((task) => task.id),
    [byCli.id],
  );
  assert.equal((await mcp.ok('task_next', { agent: 'ada' })).task.id, byCli.id);

  // Knowledge: what kb_write wrote, and what the CLI wrote a moment ago, are found at once.
  const written = await mcp.ok('kb_write', {
    name: 'notes/schema',
    content: '# Orders\n\nThe orders table is partitioned by a zanzibar key.\n',
    tags: ['db'],
  });
  assert.equal(written.name, 'notes/schema');
  assert.equal(written.created, true);
  const found = await mcp.ok('kb_search', { query: 'zanzibar partition' });
  assert.equal(found.hits[0].name, 'notes/schema');
  assert.match(found.hits[0].snippet, /zanzibar/);
  orc(['--dir', dir, 'kb', 'write', 'notes/cli', '-'], { input: 'Quokkas guard the staging server.\n' });
  assert.equal((await mcp.ok('kb_search', { query: 'quokkas staging' })).hits[0].name, 'notes/cli');

  // Locks: a second owner gets CONFLICT as an error result until the first releases.
  const lock = await mcp.ok('lock_acquire', { resource: 'src/db', agent: 'ada', ttl: '5m' });
  assert.equal(lock.owner, 'ada');
  assert.match(
    await mcp.fails('lock_acquire', { resource: 'src/db', agent: 'bob' }),
    /^CONFLICT: lock "src\/db" is held by ada until /,
  );
  assert.deepEqual(await mcp.ok('lock_release', { resource: 'src/db', agent: 'ada' }), {
    resource: 'src/db',
    released: true,
    lock: null,
  });
  assert.deepEqual(orcJson(dir, ['lock', 'list']), []);
  assert.equal((await mcp.ok('lock_acquire', { resource: 'src/db', agent: 'bob' })).owner, 'bob');
  assert.match(await mcp.fails('lock_release', { resource: 'nothing/here', agent: 'bob' }), /^NOT_FOUND: /);

  const events = await mcp.ok('events_recent', { last: 100 });
  const types = new Set(events.map((e) => e.type));
  for (const type of [
    'task.added',
    'agent.registered',
    'task.claimed',
    'task.completed',
    'task.failed',
    'kb.written',
    'lock.acquired',
    'lock.released',
  ])
    assert.ok(types.has(type), `${type} is among the recent events`);
  const locks = await mcp.ok('events_recent', { type: 'lock.', last: 2 });
  assert.equal(locks.length, 2);
  assert.ok(locks.every((e) => e.type.startsWith('lock.')));
  assert.equal(locks[1].subject, 'src/db');
  for (let i = 0; i < 6; i++) orcJson(dir, ['log', 'test.ping', `{"i":${i}}`]);
  const recent = await mcp.ok('events_recent', {});
  assert.equal(recent.length, 20, 'the last 20 by default');
  assert.deepEqual(
    recent.map((e) => e.id),
    orcJson(dir, ['events', '--last', '20']).map((e) => e.id),
    'the same events as the CLI, including those it logged a moment ago',
  );
  assert.equal(recent[19].type, 'test.ping');

  // Bad input: an error result with its code, on one line, never a stack.
  assert.match(await mcp.fails('task_complete', { id: 't-zzzzzz' }), /^NOT_FOUND: task "t-zzzzzz" not found/);
  assert.match(
    await mcp.fails('task_add', { workstream: 'backend', title: 'x', priority: 'high' }),
    /^INVALID_INPUT: priority must be a whole number/,
  );
  assert.match(
    await mcp.fails('task_add', { workstream: 'backend', title: 'x', bogus: 1 }),
    /^INVALID_INPUT: .*bogus/,
  );
  assert.match(await mcp.fails('task_add', { workstream: 'nowhere', title: 'x' }), /^NOT_FOUND: workstream/);
  assert.match(await mcp.fails('task_next', { agent: 'ada', ttl: 'soon' }), /^INVALID_INPUT: ttl "soon"/);
});

const FLOWS = `  - id: hello
    steps:
      - { id: greet, agent: echo, task: 'say hello to {{payload.name}}' }
  - id: reviewed
    steps:
      - { id: draft, agent: gated, task: draft the note }
      - { id: publish, agent: echo, task: publish the note, deps: [draft] }
  - id: broken
    steps:
      - { id: bad, agent: failer, task: break }`;

const GATED = `  - id: gated
    name: Gated
    description: echoes, then waits for approval
    capabilities: [review]
    command: ${JSON.stringify([process.execPath, join(AGENTS, 'echo.js')])}
    gate: true`;

async function until(mcp, runId, predicate, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await mcp.ok('orchestrator_status', { run: runId });
    if (predicate(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${run.status}: ${JSON.stringify(run.steps)}`);
    await sleep(150);
  }
}

test('runs through MCP: start in the background, status, a gate approved and one rejected, lists', async (t) => {
  const { dir } = runWorkspace(t, FLOWS, GATED);
  const mcp = await connect(t, dir);

  const run = await mcp.ok('orchestrator_run', {
    task: 'greet someone',
    flow: 'hello',
    payload: { name: 'Ada' },
  });
  assert.match(run.id, /^r-/);
  assert.equal(run.status, 'running');
  assert.deepEqual(run.steps, ['greet']);
  assert.equal(run.plan.flow, 'hello');
  const complete = await until(mcp, run.id, (r) => r.status === 'complete');
  assert.equal(complete.steps[0].status, 'done');
  assert.match(complete.steps[0].output, new RegExp(`run=${run.id} step=greet`));
  assert.match(complete.steps[0].output, /say hello to Ada/);
  assert.equal(orcJson(dir, ['run', 'status', run.id]).status, 'complete', 'the CLI sees the same run');

  // An after-gate: the step runs, waits; approving lets the run go on in the background.
  const reviewed = await mcp.ok('orchestrator_run', { task: 'write the note', flow: 'reviewed' });
  const waiting = await until(mcp, reviewed.id, (r) => r.status === 'waiting_approval');
  assert.equal(waiting.steps.find((s) => s.id === 'draft').status, 'waiting_approval');
  assert.equal(waiting.steps.find((s) => s.id === 'publish').status, 'pending');
  assert.match(
    await mcp.fails('orchestrator_approve', { run: reviewed.id, approved: 'false' }),
    /^INVALID_INPUT: approved must be true or false, not the string "false"/,
  );
  assert.match(
    await mcp.fails('orchestrator_approve', { run: reviewed.id }),
    /^INVALID_INPUT: approved is missing/,
  );
  assert.match(
    await mcp.fails('orchestrator_approve', { run: 'r-doesnotexist', approved: true }),
    /^NOT_FOUND: /,
  );
  assert.match(
    await mcp.fails('orchestrator_approve', { run: reviewed.id, approved: false }),
    /^INVALID_INPUT: note must say why/,
  );
  const ok = await mcp.ok('orchestrator_approve', { run: reviewed.id, approved: true, note: 'reads well' });
  assert.deepEqual(
    [ok.run, ok.step, ok.decision.decision, ok.decision.note, ok.status],
    [reviewed.id, 'draft', 'approved', 'reads well', 'running'],
  );
  const approved = await until(mcp, reviewed.id, (r) => r.status === 'complete');
  const draft = approved.steps.find((s) => s.id === 'draft');
  assert.deepEqual(
    [draft.decision.decision, draft.decision.by, draft.decision.note],
    ['approved', 'tester', 'reads well'],
  );
  assert.equal(approved.steps.find((s) => s.id === 'publish').status, 'done');
  assert.match(
    await mcp.fails('orchestrator_approve', { run: reviewed.id, approved: true }),
    /^CONFLICT: run .* has no step waiting for approval/,
  );

  const rejected = await mcp.ok('orchestrator_run', { task: 'write another note', flow: 'reviewed' });
  await until(mcp, rejected.id, (r) => r.status === 'waiting_approval');
  const decision = await mcp.ok('orchestrator_approve', {
    run: rejected.id,
    step: 'draft',
    approved: false,
    note: 'wrong tone',
  });
  assert.deepEqual([decision.decision.decision, decision.status], ['rejected', 'failed']);
  const after = await mcp.ok('orchestrator_status', { run: rejected.id });
  assert.equal(after.steps.find((s) => s.id === 'publish').status, 'skipped');

  const runs = await mcp.ok('orchestrator_list_runs', {});
  assert.deepEqual(sorted(runs.map((r) => r.id)), sorted([run.id, reviewed.id, rejected.id]));
  assert.equal(runs.find((r) => r.id === reviewed.id).steps, 2, 'steps as a count');
  assert.deepEqual(
    (await mcp.ok('orchestrator_list_runs', { status: 'failed' })).map((r) => r.id),
    [rejected.id],
  );
  assert.match(
    await mcp.fails('orchestrator_list_runs', { status: 'done' }),
    /^INVALID_INPUT: status must be one of/,
  );
  assert.match(await mcp.fails('orchestrator_status', { run: 'r-nothing' }), /^NOT_FOUND: /);
  assert.match(
    await mcp.fails('orchestrator_run', { task: 'x', flow: 'nope' }),
    /^(INVALID_INPUT|NOT_FOUND): .*nope/,
  );

  orcJson(dir, ['a', 'register', 'ada', 'worker', '--capabilities', 'db']);
  const agents = await mcp.ok('orchestrator_list_agents', {});
  const gated = agents.configured.find((a) => a.id === 'gated');
  assert.deepEqual(gated, {
    id: 'gated',
    name: 'Gated',
    description: 'echoes, then waits for approval',
    kind: 'command',
    capabilities: ['review'],
    gate: 'after',
  });
  assert.ok(agents.configured.some((a) => a.id === 'echo'));
  assert.ok(
    agents.configured.every((a) => !('command' in a) && !('env' in a)),
    'no commands or environments',
  );
  assert.deepEqual(
    agents.board.map((a) => [a.id, a.state]),
    [['ada', 'live']],
  );
});

test('reflection through MCP: a recurring failure promoted to a rule, then demoted', async (t) => {
  const { dir } = runWorkspace(t, FLOWS, GATED);
  for (let i = 0; i < 3; i++) assert.equal(orc(['--dir', dir, 'run', '--flow', 'broken', 'go']).code, 12);
  const mcp = await connect(t, dir);
  const report = await mcp.ok('orchestrator_reflect', {});
  assert.equal(report.pending.length, 1);
  const [promotion] = report.pending;
  assert.equal(promotion.agent, 'failer');
  assert.match(
    await mcp.fails('orchestrator_reflect_promote', { id: promotion.id, approver: 'ann', approved: false }),
    /^INVALID_INPUT: reason must say why/,
  );
  assert.match(
    await mcp.fails('orchestrator_reflect_promote', { id: promotion.id }),
    /^INVALID_INPUT: approver is missing/,
  );
  assert.match(
    await mcp.fails('orchestrator_reflect_promote', { id: 'pr-nothing', approver: 'ann' }),
    /^NOT_FOUND: no pending promotion/,
  );
  const promoted = await mcp.ok('orchestrator_reflect_promote', { id: promotion.id, approver: 'ann' });
  assert.equal(promoted.decision, 'promoted');
  assert.equal(promoted.rule.effect, 'gate');
  assert.deepEqual(promoted.rule.match, { agent: 'failer' });
  const now = await mcp.ok('orchestrator_reflect', {});
  assert.deepEqual(now.pending, []);
  assert.deepEqual(
    now.rules.map((r) => r.id),
    [promoted.rule.id],
  );
  assert.match(
    await mcp.fails('orchestrator_reflect_demote', { rule: promoted.rule.id, approver: 'ann' }),
    /^INVALID_INPUT: reason is missing/,
  );
  const demoted = await mcp.ok('orchestrator_reflect_demote', {
    rule: promoted.rule.id,
    approver: 'ann',
    reason: 'fixed the agent',
  });
  assert.equal(demoted.rule, promoted.rule.id);
  assert.deepEqual(orcJson(dir, ['policy', 'list']), []);
  const types = (await mcp.ok('events_recent', { type: 'reflect.' })).map((e) => e.type);
  assert.deepEqual(types, ['reflect.promoted', 'reflect.demoted']);
});

test('without a workspace each call says NO_WORKSPACE, and the next call uses one made meanwhile', async (t) => {
  const dir = tempDir(t);
  const mcp = await connect(t, dir);
  assert.match(mcp.stderr(), /no workspace found/);
  assert.match(await mcp.fails('task_list', {}), /^NO_WORKSPACE: /);
  assert.equal(orc(['init', dir]).code, 0);
  assert.deepEqual(await mcp.ok('task_list', {}), []);
});

/** Modules a file imports statically, following relative imports through dist/. */
function staticGraph(entry) {
  const seen = new Set();
  const external = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, , spec] of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*(['"])([^'"]+)\1/gms)) {
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else external.add(spec);
    }
  };
  walk(entry);
  return { files: seen, external };
}

test('the MCP SDK and zod load only for `orc mcp`', () => {
  const lib = staticGraph(join(ROOT, 'dist', 'lib', 'index.js'));
  assert.ok(
    lib.files.has(join(ROOT, 'dist', 'lib', 'interfaces', 'mcp.js')),
    'the walk reaches the MCP module',
  );
  // The CLI is bundled into chunks loaded lazily: no chunk may import them statically.
  const binDir = join(ROOT, 'dist', 'bin');
  const chunks = readdirSync(binDir).filter((name) => name.endsWith('.js'));
  assert.ok(chunks.length > 1, 'the CLI is in chunks');
  const cli = chunks.map((name) => staticGraph(join(binDir, name)));
  for (const graph of [lib, ...cli])
    for (const spec of graph.external) assert.doesNotMatch(spec, /^(@modelcontextprotocol|zod)/, spec);
  assert.match(orc(['--help']).stdout, /\bmcp\b/);
});
