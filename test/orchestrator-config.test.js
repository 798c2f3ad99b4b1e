import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOrchestratorConfig, loadOrchestratorConfig } from '../dist/lib/config/orchestrator-config.js';
import { findWorkspace } from '../dist/lib/index.js';
import { orc, tempWorkspace } from './helpers.js';

const SEED = `version: 1
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

function workspace(t, yaml) {
  const dir = tempWorkspace(t);
  writeFileSync(join(dir, 'orchestrator.yaml'), yaml);
  return { dir, ws: findWorkspace({ dir }) };
}

const SECRET = 'sk-very-secret-0123456789';

test("the seed's own orchestrator.yaml is accepted as it is", (t) => {
  const { ws } = workspace(t, SEED);
  const config = loadOrchestratorConfig(ws, { DEEPSEEK_API_KEY: SECRET });
  assert.deepEqual(
    config.agents.map((a) => [a.id, a.kind, a.provider]),
    [
      ['analyst', 'llm', 'deepseek'],
      ['writer', 'llm', 'deepseek'],
    ],
  );
  assert.equal(config.providers.deepseek.apiKey, SECRET);
  assert.equal(config.provider, 'deepseek');
  assert.equal(config.concurrency, 4);
});

test('every problem is named by its path, and a key is never quoted', (t) => {
  const { dir, ws } = workspace(
    t,
    `${SEED}  - id: runner
    name: Runner
    command: "rm -rf /"
    gate: sometimes
  - id: analyst
    provider: nowhere
flows:
  - id: f
    trigger: "([unclosed"
    steps:
      - { id: a, agent: ghost, task: x }
      - { id: b, agent: writer, task: y, deps: [a, zz] }
      - { id: a, agent: writer, task: z }
`,
  );
  const { problems } = checkOrchestratorConfig(ws, { DEEPSEEK_API_KEY: SECRET });
  const expected = [
    /^agents\[2\]\.command: must be a non-empty list of strings/,
    /^agents\[2\]\.gate: must be true, false, "before" or "after", not "sometimes"/,
    /^agents\[3\]\.provider: "nowhere" is not a configured provider/,
    /^agents\[3\]\.id: "analyst" is used twice/,
    /^flows\[0\]\.trigger: .* is not a valid regular expression/,
    /^flows\[0\]\.steps\[0\]\.agent: "ghost" is not a configured agent/,
    /^flows\[0\]\.steps\[2\]\.id: "a" is used twice/,
    /^flows\[0\]\.steps\[1\]\.deps: "zz" is not a step of this flow/,
  ];
  for (const pattern of expected)
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${pattern} in ${problems.join(' | ')}`,
    );
  const cli = orc(['--dir', dir, '--json', 'config', 'check'], { env: { DEEPSEEK_API_KEY: SECRET } });
  assert.equal(cli.code, 2);
  assert.ok(!`${cli.stdout}${cli.stderr}`.includes(SECRET));
});

test('${VAR:-default} and a .env beside the config; the real environment wins', (t) => {
  const { dir, ws } = workspace(
    t,
    `orchestrator: { name: x }
providers:
  local: { api_key: "\${KEY}", base_url: "\${BASE:-http://127.0.0.1:9/v1}", model: "\${MODEL}" }
agents:
  - { id: a, provider: local }
`,
  );
  writeFileSync(join(dir, '.env'), 'KEY=from-dotenv\nMODEL=dotenv-model\n');
  const config = loadOrchestratorConfig(ws, { MODEL: 'env-model' });
  assert.deepEqual(
    [config.providers.local.apiKey, config.providers.local.baseUrl, config.providers.local.model],
    ['from-dotenv', 'http://127.0.0.1:9/v1', 'env-model'],
  );
  assert.throws(
    () => loadOrchestratorConfig(workspace(t, 'agents:\n  - { id: a, command: ["${NOPE}"] }\n').ws, {}),
    /agents\[0\]\.command\[0\]: \$\{NOPE\} is not set/,
  );
});

test('an unset key of a provider no agent uses is not a problem; one in use is, by path only', (t) => {
  const unused = `providers:
  deepseek: { api_key: "\${DEEPSEEK_API_KEY}", model: deepseek-chat }
agents:
  - { id: tool, command: [echo, hi] }
`;
  assert.deepEqual(checkOrchestratorConfig(workspace(t, unused).ws, {}).problems, []);
  const used = checkOrchestratorConfig(workspace(t, SEED).ws, {}).problems;
  assert.deepEqual(used, [
    'providers.deepseek.api_key: ${DEEPSEEK_API_KEY} is not set in the environment or .env',
  ]);
});

test('flows may live in a file inside the workspace, never outside it', (t) => {
  const { dir, ws } = workspace(
    t,
    'agents:\n  - { id: a, command: [echo] }\nflows:\n  - { id: f, file: flows/f.yaml }\n  - { id: g, file: ../../etc/passwd }\n',
  );
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows/f.yaml'), 'steps:\n  - { id: s, agent: a, task: hi }\n');
  const { problems, config } = checkOrchestratorConfig(ws, {});
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^flows\[1\]\.file: must be a file inside the workspace: \.\.\/\.\.\/etc\/passwd is outside/,
  );
  assert.equal(config.flows[0].steps[0].task, 'hi');
});

test('orc config check prints a summary without keys, or the problems with exit 2', (t) => {
  const { dir } = workspace(t, SEED);
  const ok = orc(['--dir', dir, '--json', 'config', 'check'], { env: { DEEPSEEK_API_KEY: SECRET } });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(ok.json().agents, { llm: 2, command: 0, external: 0 });
  assert.ok(!ok.stdout.includes(SECRET));
  const bad = orc(['--dir', dir, 'config', 'check'], { env: { DEEPSEEK_API_KEY: '' } });
  assert.equal(bad.code, 2);
  assert.match(bad.stdout + bad.stderr, /providers\.deepseek\.api_key/);
});

test('the extensions: command, llm and external agents; gate, timeout, retries, cwd, env, concurrency', (t) => {
  const { ws } = workspace(
    t,
    `orchestrator: { name: ext, provider: local, concurrency: 2 }
providers:
  local: { base_url: "http://127.0.0.1:1/v1", model: m, timeout: 5s, max_retries: 0 }
agents:
  - id: tool
    command: [node, -e, "1"]
    timeout: 30s
    retries: 2
    cwd: sub
    env: { MODE: fast, LEVEL: 3 }
    gate: true
  - { id: thinker, gate: before, system_prompt: "be brief", gate_criteria: "looks right" }
`,
  );
  mkdirSync(join(ws.root, 'sub'));
  const config = loadOrchestratorConfig(ws, {});
  const [tool, thinker] = config.agents;
  assert.deepEqual(
    [tool.kind, tool.command, tool.timeoutMs, tool.retries, tool.gate, tool.env, tool.cwd],
    ['command', ['node', '-e', '1'], 30_000, 2, 'after', { MODE: 'fast', LEVEL: '3' }, join(ws.root, 'sub')],
  );
  assert.deepEqual(
    [thinker.kind, thinker.provider, thinker.gate, thinker.systemPrompt, thinker.gateCriteria],
    ['llm', 'local', 'before', 'be brief', 'looks right'],
  );
  assert.deepEqual(config.providers.local, {
    id: 'local',
    apiKey: undefined,
    baseUrl: 'http://127.0.0.1:1/v1',
    model: 'm',
    timeoutMs: 5000,
    maxRetries: 0,
  });
  assert.equal(config.concurrency, 2);
  const external = loadOrchestratorConfig(workspace(t, 'agents:\n  - { id: human }\n').ws, {});
  assert.equal(external.agents[0].kind, 'external');
});

test('bad extension values are named by path', (t) => {
  const { ws } = workspace(
    t,
    `concurrency: 0
providers:
  local: { api_key: 12345, max_retries: many, timeout: soon }
agents:
  - { id: a, command: "echo hi", timeout: forever, retries: -1, cwd: ../.., env: [x] }
  - { id: "bad id!", provider: local, description: [not, text] }
`,
  );
  const { problems } = checkOrchestratorConfig(ws, {});
  const expected = [
    /^concurrency: must be a whole number from 1 to 256/,
    /^providers\.local\.api_key: must be a string$/,
    /^providers\.local\.max_retries: must be a whole number from 0 to 10/,
    /^providers\.local\.timeout "soon" is not a duration/,
    /^agents\[0\]\.command: must be a non-empty list of strings/,
    /^agents\[0\]\.timeout "forever" is not a duration/,
    /^agents\[0\]\.retries: must be a whole number from 0 to 20/,
    /^agents\[0\]\.cwd: must be a folder inside the workspace/,
    /^agents\[0\]\.env: must be a mapping/,
    /^agents\[1\]\.id: must be a name/,
    /^agents\[1\]\.description: must be a string/,
  ];
  for (const pattern of expected)
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${pattern} in ${problems.join(' | ')}`,
    );
  assert.equal(problems.length, expected.length, problems.join(' | '));
  assert.ok(!problems.join(' ').includes('12345'), 'an api_key value is never quoted');
});

test('flows: synonyms, {regex} triggers, and every flow problem by path', (t) => {
  const { ws } = workspace(
    t,
    `agents:
  - { id: a, command: [echo] }
flows:
  - id: ok
    trigger: { regex: "^ship" }
    steps:
      - { id: one, agent: a, description: "first" }
      - { id: two, agent: a, prompt: "second", depends_on: [one], gate: before }
  - id: loop
    steps:
      - { id: x, agent: a, task: x, deps: [y] }
      - { id: y, agent: a, task: y, deps: [x] }
  - id: ok
    steps:
      - { id: z, agent: a }
      - { id: w, task: w }
  - { id: empty, steps: [] }
  - { id: nothing }
`,
  );
  const { problems, config } = checkOrchestratorConfig(ws, {});
  assert.deepEqual(config.flows[0], {
    id: 'ok',
    trigger: '^ship',
    steps: [
      { id: 'one', agent: 'a', task: 'first', deps: [], gate: undefined },
      { id: 'two', agent: 'a', task: 'second', deps: ['one'], gate: 'before' },
    ],
  });
  assert.deepEqual(problems, [
    'flows[1].steps: dependency cycle x → y → x',
    'flows[2].steps[0].task: is missing (what the step should do)',
    'flows[2].steps[1].agent: is missing',
    'flows[2].id: "ok" is used twice',
    'flows[3].steps: a flow needs at least one step',
    'flows[4]: needs steps or a file',
  ]);
});

test('a flow file is interpolated like orchestrator.yaml', (t) => {
  const { dir, ws } = workspace(
    t,
    'agents:\n  - { id: a, command: [echo] }\nflows:\n  - { id: f, file: f.yaml }\n',
  );
  writeFileSync(
    join(dir, 'f.yaml'),
    'steps:\n  - { id: s, agent: a, task: "deploy to ${TARGET:-staging} as ${WHO}" }\n',
  );
  assert.equal(loadOrchestratorConfig(ws, { WHO: 'bot' }).flows[0].steps[0].task, 'deploy to staging as bot');
  assert.deepEqual(checkOrchestratorConfig(ws, {}).problems, [
    'flows[0].file.steps[0].task: ${WHO} is not set in the environment or .env',
  ]);
});

test('loadOrchestratorConfig throws one INVALID_INPUT line listing every problem; a key never appears', (t) => {
  const { dir, ws } = workspace(
    t,
    `orchestrator: { provider: deepseek }
providers:
  deepseek: { api_key: "\${DEEPSEEK_API_KEY}", model: "\${MODEL}" }
agents:
  - { id: a, provider: deepseek2 }
`,
  );
  writeFileSync(join(dir, '.env'), `DEEPSEEK_API_KEY=${SECRET}\n`);
  assert.throws(
    () => loadOrchestratorConfig(ws, {}),
    (e) => {
      assert.equal(e.code, 'INVALID_INPUT');
      assert.equal(
        e.message,
        'orchestrator.yaml: 2 problems: providers.deepseek.model: ${MODEL} is not set in the environment or .env; agents[0].provider: "deepseek2" is not a configured provider',
      );
      assert.equal(e.details.problems.length, 2);
      assert.ok(!JSON.stringify({ m: e.message, d: e.details }).includes(SECRET));
      return true;
    },
  );
  for (const args of [
    ['--json', 'config', 'check'],
    ['config', 'check'],
  ]) {
    const run = orc(['--dir', dir, ...args], { env: { MODEL: 'm' } });
    assert.equal(run.code, 2, run.stderr);
    const printed =
      args[0] === '--json'
        ? run
            .json()
            .problems.map((p) => `problem ${p}`)
            .join('\n')
        : run.stdout;
    assert.match(printed, /^problem agents\[0\]\.provider: "deepseek2" is not a configured provider$/m);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET));
  }
  writeFileSync(join(dir, 'orchestrator.yaml'), SEED);
  const ok = orc(['--dir', dir, '--json', 'config', 'check'], {});
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(ok.json().providers, [
    { id: 'deepseek', baseUrl: 'https://api.deepseek.com/v1', model: 'deepseek-chat', key: 'set' },
  ]);
  assert.ok(!ok.stdout.includes(SECRET), 'the key came from .env and is not printed');
});

test('a top-level key orc does not read is a warning (a misspelt redis: is not silent); mcp.tools is checked', (t) => {
  const { dir, ws } = workspace(t, `${SEED}reddis:\n  url: redis://127.0.0.1:6379\n`);
  const env = { DEEPSEEK_API_KEY: SECRET };
  const checked = checkOrchestratorConfig(ws, env);
  assert.deepEqual(checked.problems, []);
  assert.equal(checked.config.redis, undefined);
  assert.equal(checked.warnings.length, 1);
  assert.match(checked.warnings[0], /^reddis: not a setting orc reads \(ignored\); the settings are .*redis/);
  const human = orc(['--dir', dir, 'config', 'check'], { env });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stderr, /warning: reddis: not a setting orc reads/);
  const json = orc(['--dir', dir, '--json', 'config', 'check'], { env });
  assert.deepEqual(json.json().warnings, [checked.warnings[0]]);
  assert.equal(json.stderr, '', 'with --json the warnings are in the document');
  assert.deepEqual(checkOrchestratorConfig(workspace(t, SEED).ws, env).warnings, [], 'the seed has none');
  const mcp = workspace(t, `${SEED}mcp:\n  tools: some\n`);
  assert.deepEqual(checkOrchestratorConfig(mcp.ws, env).problems, ['mcp.tools: must be core or all']);
});
