// Each seed's quick start, verbatim, through the real binary: OpSpawn's CLI lines in order (`orc` for
// `node cli.js`), and the orchestration agent's orchestrator.yaml, .env, Claude Desktop wiring,
// `orchestrator_run` with `config_path` through the MCP SDK client, and its HTTP trigger, with a local
// OpenAI-compatible server standing in for DeepSeek.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startFakeLlm } from '../fake-llm-server.js';
import { BIN, orc, orcJson, readEventsFile, sleep, tempDir } from '../helpers.js';
import { TOKEN, call, startServe, waitForHttpRun } from '../http-helpers.js';

// --- OpSpawn (seed 004): its README's Quick Start, as written ----------------------------------------

const OPSPAWN_QUICK_START = `# View system status
npx orchestrator status

# Create workstreams
node cli.js ws create revenue "Revenue generation" 1
node cli.js ws create product "Product development" 2

# Add tasks
node cli.js t add revenue "Add payments to API" "Integrate USDC" 1
node cli.js t add product "Write tests" "Unit and integration" 3

# Register an agent and claim work
node cli.js a register agent-1 worker
node cli.js t next revenue agent-1

# Complete work
node cli.js t complete revenue <task-id> "Done: integrated payments"

# Share knowledge
node cli.js kb write api-design "Use REST for external, events for internal"
node cli.js kb read api-design

# Generate cycle plan
node runner.js plan`;

/** The seed's commands as orc's: its CLI and `npx orchestrator` are `orc`; its runner's plan is `cycle plan`. */
const ORC_FOR = [
  [/^npx orchestrator /, ''],
  [/^node cli\.js /, ''],
  [/^node runner\.js plan$/, 'cycle plan'],
];

/** A shell line's words: double-quoted words keep their spaces (all the quick start uses). */
function words(line) {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

test('OpSpawn: every line of the Quick Start runs as written, and the board ends as it implies', (t) => {
  const dir = tempDir(t, 'orc-opspawn-');
  // The seed's state.json is made on first use; orc's workspace by `orc init` (its one extra step).
  assert.equal(orc(['init'], { cwd: dir }).code, 0);
  // Run from the workspace folder, from the agent's own shell: no identity in the environment.
  const env = { ORC_AGENT: '', CODEX_THREAD_ID: '' };
  const outputs = [];
  let taskId;
  for (const raw of OPSPAWN_QUICK_START.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let command = line;
    for (const [seed, ours] of ORC_FOR) command = command.replace(seed, ours);
    assert.notEqual(command, line, `every line is a command of the seed's: ${line}`);
    const args = words(command).map((w) => (w === '<task-id>' ? taskId : w));
    const run = orc(args, { cwd: dir, env });
    assert.equal(run.code, 0, `${line}\n${run.stderr}`);
    assert.equal(run.stderr, '', `${line}: no warnings`);
    outputs.push({ line, stdout: run.stdout });
    // `t next` says which task it claimed; the README's <task-id> is that one.
    taskId ??= /^claimed (t-[0-9a-z]{12}) /m.exec(run.stdout)?.[1];
  }
  assert.equal(outputs.length, 11);
  assert.ok(taskId, 't next claimed a task');

  const json = (args) => orcJson(dir, args, { env });
  const [payments, tests] = json(['t', 'list']).sort((a, b) => a.priority - b.priority);
  assert.equal(payments.id, taskId, 'the agent got the revenue task');
  assert.deepEqual(
    [payments.title, payments.status, payments.result, payments.claim],
    ['Add payments to API', 'done', 'Done: integrated payments', null],
  );
  assert.deepEqual([tests.title, tests.workstream, tests.status], ['Write tests', 'product', 'open']);
  const completed = readEventsFile(dir).find((e) => e.type === 'task.completed');
  assert.equal(completed.data.agent, 'agent-1', 'completed by the only agent, its holder');
  assert.match(
    outputs.find((o) => o.line.includes('kb read')).stdout,
    /Use REST for external, events for internal/,
  );
  const plan = outputs.at(-1).stdout;
  assert.match(
    plan,
    new RegExp(`${tests.id} Write tests → agent-1`),
    'the cycle plan gives the open task to the agent',
  );
  const streams = json(['ws', 'list']);
  assert.deepEqual(
    streams.map((w) => [w.name, w.priority, w.counts.done, w.counts.open]),
    [
      ['revenue', 1, 1, 0],
      ['product', 2, 0, 1],
    ],
  );
});

// --- the orchestration agent (seed 000): its README's quick start -----------------------------------

// Step 1, orchestrator.yaml, as the README gives it (its indentation restored; the README's text
// runs "provider: deepseek" into "2. Create .env").
const SEED_YAML = `version: 1
orchestrator:
  name: "My Orchestrator"
  provider: deepseek
providers:
  deepseek:
    api_key: \${DEEPSEEK_API_KEY}
    base_url: https://api.deepseek.com/v1
    model: deepseek-chat
agents:
  - id: analyst
    name: Data Analyst
    description: Analyzes data and produces reports
    capabilities: [analysis, reporting, metrics]
    provider: deepseek
  - id: writer
    name: Technical Writer
    description: Writes documents and summaries
    capabilities: [writing, documentation, summaries]
    provider: deepseek
`;

// Step 2.
const SEED_ENV = 'DEEPSEEK_API_KEY=sk-...\n';

// Step 3, claude_desktop_config.json.
const CLAUDE_DESKTOP_CONFIG = `{
  "mcpServers": {
    "orchestrator": {
      "command": "npx",
      "args": ["-y", "@backendkit-labs/orchestrator-agent"],
      "env": {
        "DEEPSEEK_API_KEY": "sk-..."
      }
    }
  }
}`;

// Step 4.
const SEED_TASK = 'Analyze Q1 sales data and write an executive summary';

/** The HTTP trigger runs a flow: the seed's YAML has none, so the test adds one (and only this). */
const TRIGGER_FLOW = `flows:
  - id: quarterly
    steps:
      - { id: figures, agent: analyst, task: "Analyze Q{{payload.quarter}} sales data" }
      - { id: summary, agent: writer, task: write an executive summary, deps: [figures] }
`;

/**
 * The stand-in for DeepSeek: the planner gets a plan (analyst, then the writer on its output), each
 * agent an answer naming who it is and what it was given.
 */
async function fakeDeepSeek(t) {
  const server = await startFakeLlm((body) => {
    const system = body.messages[0].content;
    if (system.startsWith('You plan work')) {
      const steps = [
        { id: 'analyse', agent: 'analyst', task: 'Analyze Q1 sales data', deps: [] },
        { id: 'summary', agent: 'writer', task: 'write an executive summary', deps: ['analyse'] },
      ];
      return `\`\`\`json\n${JSON.stringify({ steps })}\n\`\`\``;
    }
    const brief = body.messages.at(-1).content;
    if (system.startsWith('You are Data Analyst')) return 'Q1 revenue rose 12% over Q4.';
    if (system.startsWith('You are Technical Writer'))
      return `Summary: ${brief.includes('Q1 revenue rose 12%') ? 'revenue up 12%' : 'no figures given'}.`;
    return '# Run note\nAnalysed the quarter and summarised it.';
  });
  t.after(() => server.close());
  return server;
}

/** The seed's folder: orchestrator.yaml with DeepSeek's URL pointed at the stand-in, and .env. */
function seedFolder(t, server, extraYaml = '', { init: withInit = true } = {}) {
  const dir = tempDir(t, 'orc-seed000-');
  const yaml = SEED_YAML.replace('https://api.deepseek.com/v1', server.url);
  assert.notEqual(yaml, SEED_YAML);
  writeFileSync(join(dir, 'orchestrator.yaml'), yaml + extraYaml);
  writeFileSync(join(dir, '.env'), SEED_ENV);
  // Over MCP, config_path makes the workspace on first use, as the seed made .orchestrator/.
  if (!withInit) return dir;
  // The HTTP server needs its workspace made first (`orc serve` runs in one).
  const init = orc(['init', dir]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(readFileSync(join(dir, 'orchestrator.yaml'), 'utf8'), yaml + extraYaml, 'init keeps the file');
  const check = orc(['--dir', dir, '--json', 'config', 'check']);
  assert.equal(check.code, 0, check.stderr);
  return dir;
}

/** Polls `until()` (a failsafe deadline only: the run ends when its steps do, not after a time). */
async function poll(until, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await until();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await sleep(50);
  }
}

test('orchestration agent: orchestrator_run with config_path through Claude Desktop-style MCP wiring, polled to completion', async (t) => {
  const server = await fakeDeepSeek(t);
  const dir = seedFolder(t, server, '', { init: false });
  const configPath = join(dir, 'orchestrator.yaml');
  // Claude Desktop starts the server from its own folder, not the workspace, with the config's env.
  const wiring = JSON.parse(CLAUDE_DESKTOP_CONFIG).mcpServers.orchestrator;
  const elsewhere = tempDir(t, 'orc-desktop-');
  const env = { ...process.env, NO_COLOR: '1', ...wiring.env };
  delete env.ORCHESTRATOR_DIR;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp'],
    env,
    cwd: elsewhere,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'claude-desktop', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close());
  const tool = async (name, args) => {
    const result = await client.callTool({ name, arguments: args });
    assert.equal(result.isError, undefined, `${name}: ${result.content[0].text}`);
    return JSON.parse(result.content[0].text);
  };

  const started = await tool('orchestrator_run', { config_path: configPath, task: SEED_TASK });
  assert.match(started.id, /^r-/);
  assert.equal(started.plan.source, 'llm', 'the provider plans, as the seed does');
  assert.deepEqual(started.steps, ['analyse', 'summary']);
  const run = await poll(async () => {
    // Polled by run id alone, as the seed's docs do: the server keeps the workspace config_path chose.
    const status = await tool('orchestrator_status', { run_id: started.id });
    return status.status === 'running' ? undefined : status;
  }, 'the run ending');
  assert.equal(run.status, 'complete', JSON.stringify(run.steps));
  assert.equal(run.task, SEED_TASK);
  assert.deepEqual(
    run.steps.map((s) => [s.id, s.agent, s.status, s.deps]),
    [
      ['analyse', 'analyst', 'done', []],
      ['summary', 'writer', 'done', ['analyse']],
    ],
  );
  assert.equal(run.steps[1].output, 'Summary: revenue up 12%.', "the writer got the analyst's output");
  assert.equal(
    readFileSync(join(dir, 'orchestrator.yaml'), 'utf8'),
    SEED_YAML.replace('https://api.deepseek.com/v1', server.url),
    'the seed file is kept as it was',
  );
  const listed = await tool('orchestrator_list_runs', { config_path: configPath, status: 'all', limit: 5 });
  assert.deepEqual(
    listed.map((r) => r.id),
    [started.id],
  );

  // DeepSeek was called as configured: its model, the key from .env, and nothing stores the key.
  assert.ok(server.requests.length >= 3);
  for (const request of server.requests) {
    assert.equal(request.body.model, 'deepseek-chat');
    assert.equal(request.auth, 'Bearer sk-...');
  }
  const runFile = readFileSync(join(dir, 'state/runs', `${started.id}.json`), 'utf8');
  assert.ok(
    !runFile.includes('sk-...') && !readFileSync(join(dir, 'events.jsonl'), 'utf8').includes('sk-...'),
  );
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing is written where the server was started');
  // The server ends before its folder is removed (the test's later hooks remove it).
  await client.close();
});

test('orchestration agent: the HTTP trigger, curl-style: flow_id and a number in the payload; a form body is 415', async (t) => {
  const server = await fakeDeepSeek(t);
  const dir = seedFolder(t, server, TRIGGER_FLOW);
  // Started without the key in its environment (the test process has none): .env must give it.
  delete process.env.DEEPSEEK_API_KEY;
  const { url } = await startServe(t, dir);
  // As `curl -X POST -H 'Content-Type: application/json' -d '{…}'` sends it (an n8n HTTP node too).
  const trigger = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ flow_id: 'quarterly', task: 'Quarterly report', payload: { quarter: 1 } }),
  });
  const started = await trigger.json();
  assert.equal(trigger.status, 202, JSON.stringify(started));
  assert.deepEqual(
    [started.plan.source, started.plan.flow, started.steps],
    ['flow', 'quarterly', ['figures', 'summary']],
  );
  const run = await waitForHttpRun(url, started.id, (r) => r.status !== 'running');
  assert.equal(run.status, 'complete', JSON.stringify(run.steps));
  assert.equal(run.payload.quarter, '1', 'the number is taken as its text');
  assert.equal(run.steps[0].task, 'Analyze Q1 sales data');
  assert.equal(run.steps[1].output, 'Summary: revenue up 12%.');
  // The server was started without the key: it came from the .env beside orchestrator.yaml.
  assert.ok(server.requests.every((r) => r.auth === 'Bearer sk-...'));

  // A form (curl -d without a JSON content type, n8n's "form" body) is refused with a clear 415.
  const form = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'flow_id=quarterly&task=Quarterly+report&payload[quarter]=1',
  });
  const refused = await form.json();
  assert.equal(form.status, 415, JSON.stringify(refused));
  assert.match(refused.error.message, /JSON/);
  const runs = await call(url, '/api/runs');
  assert.deepEqual(
    runs.body.map((r) => r.id),
    [started.id],
    'the form started no run',
  );
});
