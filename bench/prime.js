// `orc prime` on a board of 1,000 tasks: its size in tokens (characters / 4) as an agent's session
// start pays for it, with and without orc's MCP server configured, and its wall time as a ratio to a
// bare `node -e 0` measured in the same rounds. Figures, not tests: a MISS is printed, never an exit
// code. Alone: `node bench/prime.js`.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tempDir } from './util.js';

const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const dist = (name) => import(pathToFileURL(join(ROOT, 'dist', 'lib', name)).href);
const TASKS = 1_000;
const ROUNDS = 15;
const ENV = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'bench' };
delete ENV.ORCHESTRATOR_DIR;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function timed(args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: ENV });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms: performance.now() - started, stdout: run.stdout };
}
const orc = (dir, ...args) => timed([BIN, '--dir', dir, ...args]).stdout;

/** Open tasks with full-length titles, written straight into state/tasks (as a merge would). */
async function populate(dir) {
  const { orderTask } = await dist('records/index.js');
  const { formatJson, workspaceAt } = await dist('storage/index.js');
  const ws = workspaceAt(dir);
  const first = Date.now() - TASKS;
  for (let i = 0; i < TASKS; i++) {
    const at = new Date(first + i).toISOString();
    const id = `t-${String(i).padStart(12, '0')}`;
    const title = `benchmark task ${i}: `.padEnd(200, 'lorem ipsum ');
    const task = { v: 1, id, workstream: 'build', title, description: 'd'.repeat(500), priority: i % 10 };
    const rest = { status: 'open', tags: [], deps: [], claim: null, attempts: 0, result: null, reason: null };
    const stamps = { createdBy: 'bench', createdAt: at, updatedAt: at };
    writeFileSync(join(ws.tasksDir, `${id}.json`), formatJson(orderTask({ ...task, ...rest, ...stamps })));
  }
}

export async function run() {
  console.log(`## prime: the primer of an agent on ${TASKS.toLocaleString('en-US')} tasks`);
  const dir = tempDir();
  orc(dir, 'init', dir);
  orc(dir, 'ws', 'create', 'build');
  orc(dir, 'a', 'register', 'bench-agent');
  await populate(dir);
  orc(dir, 't', 'next', 'bench-agent');
  orc(dir, 't', 'next', 'bench-agent', '--another');
  orc(dir, 'lock', 'acquire', 'src/app.ts', 'bench-agent');
  const shell = orc(dir, 'prime', '--agent', 'bench-agent');
  writeFileSync(
    join(dir, '.mcp.json'),
    JSON.stringify({ mcpServers: { orc: { command: 'orc', args: ['mcp'] } } }),
  );
  const mcp = orc(dir, 'prime', '--agent', 'bench-agent');
  const bare = [];
  const prime = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(timed(['-e', '0']).ms);
    prime.push(timed([BIN, '--dir', dir, 'prime', '--agent', 'bench-agent']).ms);
  }
  const ratio = median(prime) / median(bare);
  const rows = [
    [
      'prime size, shell protocol',
      `${(shell.length / 4).toFixed(0)} tokens (${shell.length} chars)`,
      '< 1500',
      shell.length / 4 < 1500,
    ],
    [
      'prime size, MCP configured',
      `${(mcp.length / 4).toFixed(0)} tokens (${mcp.length} chars)`,
      '< shell',
      mcp.length < shell.length,
    ],
    // It reads the board as `t list` does, whose goal in bench/cli.js is the same.
    ['prime time vs node -e 0', `${ratio.toFixed(2)}x (${median(prime).toFixed(0)} ms)`, '<= 3x', ratio <= 3],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [name, value, goal, ok] of rows) {
    console.log(
      `  ${name.padEnd(widths[0])}  ${value.padEnd(widths[1])}  ${goal.padEnd(widths[2])}  ${ok ? 'PASS' : 'MISS'}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
