import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOrchestratorConfig, loadOrchestratorConfig } from '../dist/lib/orchestrator-config.js';
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
    /^agents\[2\]\.gate: gate must be/,
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
  assert.deepEqual(used, ['providers.deepseek.api_key: ${DEEPSEEK_API_KEY} is not set']);
});

test('flows may live in a file inside the workspace, never outside it', (t) => {
  const { dir, ws } = workspace(
    t,
    'agents:\n  - { id: a, command: [echo] }\nflows:\n  - { id: f, file: flows/f.yaml }\n  - { id: g, file: ../../etc/passwd }\n',
  );
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows/f.yaml'), 'steps:\n  - { id: s, agent: a, task: hi }\n');
  const { problems, config } = checkOrchestratorConfig(ws, {});
  assert.deepEqual(problems, ['flows[1].file: must be inside the workspace']);
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
