// Secrets: credentials in URLs are redacted wherever orc prints or stores them, and command agents
// get an explicit environment, so a provider key exported for orc never reaches their output.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { redactUrl, redactUrlsIn } from '../dist/lib/shared/index.js';
import { startFakeLlm } from './fake-llm-server.js';
import { PATH_WITH_ORC, orc, orcAsync } from './helpers.js';
import { runWorkspace } from './run-helpers.js';

const KEY = 'sk-test-secret-4f9c2e7a1b';
const PASSWORD = 'hunter2-pw-77';
const QUERY_KEY = 'qk-secret-5521';

/** Every file under `dir` (the workspace, `.orc/` and state included) as one text. */
function everything(dir) {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? everything(path) : readFileSync(path, 'latin1');
  }
  return text;
}

function assertNowhere(secrets, where) {
  for (const [label, text] of Object.entries(where))
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} is in ${label}`);
}

test('redactUrl hides user, password and key-like query values; other URLs stay as they are', () => {
  assert.equal(
    redactUrl(`https://me:${PASSWORD}@llm.example/v1?api_key=${QUERY_KEY}&model=m&token=t&key=k`),
    'https://***:***@llm.example/v1?api_key=***&model=m&token=***&key=***',
  );
  assert.equal(redactUrl('rediss://:pw@redis.example:6380/0'), 'rediss://:***@redis.example:6380/0');
  assert.equal(redactUrl('https://TOKEN@github.com/o/r.git'), 'https://***@github.com/o/r.git');
  assert.equal(redactUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  assert.equal(redactUrl('http://[bad'), 'http://(unreadable URL)');
  assert.equal(
    redactUrlsIn(
      `cannot reach http://u:${PASSWORD}@h/v1?key=${QUERY_KEY}: ECONNREFUSED (see https://x.dev).`,
    ),
    'cannot reach http://***:***@h/v1?key=***: ECONNREFUSED (see https://x.dev).',
  );
});

test('a command agent gets the allow-list and its env, never an exported provider key', async (t) => {
  const dump = '["${NODE}", "-e", "process.stdout.write(JSON.stringify(process.env))"]'.replace(
    '${NODE}',
    process.execPath,
  );
  const { dir } = runWorkspace(
    t,
    '  - id: dump\n    steps:\n      - { id: env, agent: envdump, task: print the environment }',
    `  - id: envdump
    name: Env dump
    description: prints its environment
    command: ${dump}
    env: { CHOSEN: "\${CHOSEN_VAR}" }`,
  );
  const run = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'dump', 'go'], {
    env: { OPENAI_API_KEY: KEY, ORC_TOKEN: `${KEY}-token`, CHOSEN_VAR: 'passed-on-purpose', LC_ALL: 'C' },
  });
  assert.equal(run.code, 0, run.stderr);
  const seen = JSON.parse(JSON.parse(run.stdout).steps[0].output);
  assert.equal(seen.CHOSEN, 'passed-on-purpose');
  assert.equal(seen.PATH, PATH_WITH_ORC, "orc's own PATH");
  assert.equal(seen.LC_ALL, 'C');
  assert.equal(seen.ORC_STEP_ID, 'env');
  assert.ok(seen.ORC_RUN_ID && seen.ORC_WORKSPACE);
  assert.equal(seen.OPENAI_API_KEY, undefined);
  assert.equal(seen.ORC_TOKEN, undefined);
  assert.equal(seen.CHOSEN_VAR, undefined, 'only what env: names');
  assertNowhere([KEY], { stdout: run.stdout, stderr: run.stderr, workspace: everything(dir) });
});

test('orc config check shows a base_url without its password or key', (t) => {
  const { dir } = runWorkspace(
    t,
    '  []',
    `providers:
  local: { api_key: "${KEY}", base_url: "http://me:${PASSWORD}@127.0.0.1:9/v1?api_key=${QUERY_KEY}&model=m", model: m }`,
  );
  const text = orc(['--dir', dir, 'config', 'check']);
  const json = orc(['--dir', dir, '--json', 'config', 'check']);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(json.code, 0, json.stderr);
  assert.match(
    text.stdout,
    /provider local: http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:9\/v1\?api_key=\*\*\*&model=m/,
  );
  assert.equal(json.json().providers[0].baseUrl, 'http://***:***@127.0.0.1:9/v1?api_key=***&model=m');
  assertNowhere([KEY, PASSWORD, QUERY_KEY], {
    text: text.stdout + text.stderr,
    json: json.stdout + json.stderr,
  });
});

test('a provider failure with credentials in base_url shows and stores it redacted', async (t) => {
  const server = await startFakeLlm(() => 'never reached');
  await server.close();
  const withCredentials = server.url.replace('http://', `http://me:${PASSWORD}@`);
  const { dir } = runWorkspace(
    t,
    '  - id: one\n    steps:\n      - { id: s, agent: writer, task: write }',
    `  - id: writer
    name: Writer
    description: writes
    provider: local
  - id: writer2
    name: Writer 2
    description: writes
    provider: query
providers:
  local: { api_key: "${KEY}", base_url: "${withCredentials}", model: m, max_retries: 0 }
  query: { api_key: "${KEY}", base_url: "${server.url}?key=${QUERY_KEY}", model: m, max_retries: 0 }`,
  );
  const first = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'one', 'go']);
  assert.equal(first.code, 12, first.stderr);
  assert.match(first.stderr, /provider local failed: .*http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1/);
  const yaml = join(dir, 'orchestrator.yaml');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('agent: writer,', 'agent: writer2,'));
  const second = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'one', 'go']);
  assert.equal(second.code, 12, second.stderr);
  assert.match(second.stderr, /provider query failed: .*\?key=\*\*\*/);
  const workspace = everything(dir).replace(readFileSync(yaml, 'latin1'), '');
  assertNowhere([KEY, PASSWORD, QUERY_KEY], {
    first: first.stdout + first.stderr,
    second: second.stdout + second.stderr,
    'the workspace (but orchestrator.yaml)': workspace,
  });
});
