// The pre-edit hook's cost to an agent: it runs before every edit, so its wall time is measured against
// a bare `node -e 0` in the same rounds (goal: at most 1.5x), for a free file and for a locked one, on a
// workspace holding 100 locks (one of them a glob). Figures, not tests: a MISS is printed, never an
// exit code. Alone: `node bench/hooks.js`.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LIB, ROOT, fmt, tempDir } from './util.js';

const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const ROUNDS = 21;
const LOCKS = 100;
const GOAL = 1.5;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function timed(args, input, env = process.env) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { input, encoding: 'utf8', env });
  const ms = performance.now() - started;
  if (run.error) throw run.error;
  return { ms, code: run.status };
}

export async function run() {
  console.log(`## hooks: \`orc hook pre-edit\` before each edit, ${LOCKS} locks held, vs node -e 0`);
  const { initWorkspace, acquireLock } = await import(LIB);
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  initWorkspace(dir);
  const workspace = await ws(dir);
  for (let i = 0; i < LOCKS - 1; i++)
    await acquireLock(workspace, `src/module-${i}.ts`, 'other', { ttlMs: 3_600_000 });
  await acquireLock(workspace, 'docs/**/*.md', 'other', { ttlMs: 3_600_000 });
  const input = (file) =>
    JSON.stringify({
      session_id: 'bench-session-0001',
      cwd: dir,
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(dir, file), old_string: 'a', new_string: 'b' },
    });
  const env = { ...process.env, ORC_AGENT: 'bench' };
  delete env.ORCHESTRATOR_DIR;
  const hook = [BIN, 'hook', 'pre-edit', '--tool', 'claude'];
  const cases = {
    'node -e 0': () => timed(['-e', '0'], ''),
    'free file': () => timed(hook, input('src/free.ts'), env),
    'locked file': () => timed(hook, input('docs/guide/intro.md'), env),
  };
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, once] of Object.entries(cases)) {
      const { ms, code } = once();
      const expected = name === 'locked file' ? 2 : 0;
      if (code !== expected) throw new Error(`${name}: exit ${code}, expected ${expected}`);
      samples[name].push(ms);
    }
  }
  const base = median(samples['node -e 0']);
  const rows = [];
  for (const [name, values] of Object.entries(samples)) {
    const ratio = median(values) / base;
    console.log(
      `  ${name.padEnd(12)} median ${fmt(median(values), 1).padStart(6)} ms  ${fmt(ratio, 2)}x node -e 0`,
    );
    if (name !== 'node -e 0') rows.push([`pre-edit hook, ${name}`, ratio]);
  }
  for (const [name, ratio] of rows) {
    console.log(`  ${name}: ${fmt(ratio, 2)}x, goal <= ${GOAL}x: ${ratio <= GOAL ? 'PASS' : 'MISS'}`);
  }
}

async function ws(dir) {
  const { workspaceAt } = await import(pathToFileURL(join(ROOT, 'dist', 'lib', 'storage', 'index.js')).href);
  return workspaceAt(dir);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
