// `npm run demo`: the main job, offline. Three agents (real processes) share one board in a fresh
// workspace: each registers, takes its next task, keeps its claim alive and reports back, while
// dependencies hold later work until earlier work is done. Prints every command it runs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'orc.js');
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'orc-demo-'));
const env = { ...process.env, ORCHESTRATOR_DIR: dir, ORC_INVOCATION: 'orc' };

function orc(...args) {
  console.log(`$ orc ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const out = execFileSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  process.stdout.write(out);
  return out;
}
const json = (...args) =>
  JSON.parse(execFileSync(process.execPath, [BIN, '--json', ...args], { env, encoding: 'utf8' }));

orc('init', dir);
orc('ws', 'create', 'backend', 'API and storage', '1');
orc('ws', 'create', 'docs', 'Guides and reference', '2');
const schema = json(
  't',
  'add',
  'backend',
  'Design the schema',
  'Tables for users and orders',
  '1',
  '--tag',
  'db',
);
const api = json('t', 'add', 'backend', 'Build the orders API', '', '1', '--dep', schema.id, '--tag', 'api');
json('t', 'add', 'backend', 'Load test the API', '', '2', '--dep', api.id);
json('t', 'add', 'docs', 'Write the API guide', '', '2', '--dep', api.id, '--tag', 'writing');
json('t', 'add', 'docs', 'Write the install guide', '', '3', '--tag', 'writing');
orc('t', 'list');

console.log('\n# shared knowledge: markdown in knowledge/, searched offline');
orc(
  'kb',
  'write',
  'decisions/orders-storage',
  '# Orders storage\n\nOrders live in Postgres, one row per order; money is stored in cents.\n\n## Why not a document store\nReports join orders with users every day.\n',
  '--tag',
  'db',
);
orc(
  'kb',
  'write',
  'guides/writing-style',
  '# Writing style\n\nShort sentences. Every guide starts with a working example.\n',
  '--tag',
  'docs',
);
orc('kb', 'search', 'where are orders kept and how is money stored?', '-k', '2');
orc('brief', api.id, '--budget', '1200');

// Each agent is its own process, following the agent protocol (docs/agent-protocol.md).
const agentScript = (id, caps) => `
  set -e
  orc() { "${process.execPath}" "${BIN}" "$@"; }
  orc a register ${id} worker --capabilities ${caps} >/dev/null
  while :; do
    task=$(orc --json t next ${id})
    if [ "$task" = "null" ]; then
      # nothing ready: stop once nothing is open or claimed any more, else wait for dependencies
      left=$(orc --json t list --status open | grep -c '"id"' || true)
      held=$(orc --json t list --status claimed | grep -c '"id"' || true)
      [ "$left" = 0 ] && [ "$held" = 0 ] && break
      sleep 0.2; continue
    fi
    id=$(printf '%s' "$task" | sed -E 's/.*"id":"(t-[0-9a-z]+)".*/\\1/')
    token=$(printf '%s' "$task" | sed -E 's/.*"token":"([^"]+)".*/\\1/')
    echo "[${id}] working on $id"
    orc a heartbeat ${id} >/dev/null
    sleep 0.3
    orc t complete "$id" "done by ${id}" --token "$token" >/dev/null
    echo "[${id}] completed $id"
  done`;

console.log('\n# three agents work the board in parallel (real processes)');
const agents = [
  ['ada', 'db,api'],
  ['bob', 'writing'],
  ['cy', 'api'],
].map(
  ([id, caps]) =>
    new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', agentScript(id, caps)], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`agent ${id} exited ${code}`))));
    }),
);
await Promise.all(agents);

console.log('');
orc('status');
orc('events', '--type', 'task.', '--last', '8');

// A run: the offline planner splits the task between two command agents; the writer's output waits
// at a gate until a person approves it.
console.log('\n# a run, planned offline, with an approval gate');
const agentsDir = join(dirname(fileURLToPath(import.meta.url)), 'demo-agents');
const command = (script) => JSON.stringify([process.execPath, join(agentsDir, script)]);
writeFileSync(
  join(dir, 'orchestrator.yaml'),
  `version: 1
orchestrator:
  name: demo
agents:
  - id: researcher
    name: Researcher
    description: gathers facts and figures about sales
    capabilities: [research, facts, sales]
    command: ${command('researcher.js')}
  - id: writer
    name: Writer
    description: writes a summary for executives
    capabilities: [writing, summary]
    command: ${command('writer.js')}
    gate: true
    gate_criteria: the figures are quoted exactly
`,
);
orc('config', 'check');
const run = JSON.parse(
  execFileSync(process.execPath, [BIN, '--json', 'run', 'Gather the Q1 sales facts, then write a summary'], {
    env,
    encoding: 'utf8',
  }),
);
console.log(`run ${run.id}: ${run.status}; the writer's output waits for review:`);
console.log(`  ${run.steps[1].output}`);
orc('approve', run.id, '--note', 'figures match', '--actor', 'demo-reviewer');
orc('run', 'watch', run.id);
console.log(`\nThe workspace is plain files in ${dir}: state/, events.jsonl, knowledge/.`);
