// The pre-edit hook's cost to an agent: it runs before every edit, so its wall time is measured against
// a bare `node -e 0` in the same rounds (goal: at most 1.5x), for a free file and for a locked one, on a
// workspace holding 100 locks (one of them a glob); with the CPU time of each too, which a loaded
// machine disturbs less than wall time. Figures, not tests: a MISS is printed, never an exit code.
// Alone: `node bench/hooks.js`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LIB, ROOT, fmt, tempDir } from './util.js';

const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const ROUNDS = 21;
const LOCKS = 100;
const HOUR = 3_600_000;
const GOAL = 1.5;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

// CPU time of the children waited for (cutime + cstime of /proc/self/stat, in 1/100 s; Linux only).
const PROC_STAT = '/proc/self/stat';
function childCpuMs() {
  if (!existsSync(PROC_STAT)) return Number.NaN;
  const fields = readFileSync(PROC_STAT, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function timed(args, input, env = process.env) {
  const cpu = childCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { input, encoding: 'utf8', env });
  const ms = performance.now() - started;
  if (run.error) throw run.error;
  return { ms, cpu: childCpuMs() - cpu, code: run.status };
}

export async function run() {
  console.log(`## hooks: \`orc hook pre-edit\` before each edit, ${LOCKS} locks held, vs node -e 0`);
  const { initWorkspace, acquireLock } = await import(LIB);
  const { workspaceAt } = await import(pathToFileURL(join(ROOT, 'dist', 'lib', 'storage', 'index.js')).href);
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  initWorkspace(dir);
  const ws = workspaceAt(dir);
  for (let i = 0; i < LOCKS - 1; i++) await acquireLock(ws, `src/module-${i}.ts`, 'other', { ttlMs: HOUR });
  await acquireLock(ws, 'docs/**/*.md', 'other', { ttlMs: HOUR });
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
    'node -e 0': [['-e', '0'], '', 0],
    'free file': [hook, input('src/free.ts'), 0],
    'locked file': [hook, input('docs/guide/intro.md'), 2],
  };
  const wall = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, [args, stdin, expected]] of Object.entries(cases)) {
      const once = timed(args, stdin, env);
      if (once.code !== expected) throw new Error(`${name}: exit ${once.code}, expected ${expected}`);
      wall[name].push(once.ms);
      cpu[name] += once.cpu;
    }
  }
  const base = median(wall['node -e 0']);
  for (const name of Object.keys(cases)) {
    const ratio = median(wall[name]) / base;
    const cpuRatio = cpu[name] / cpu['node -e 0'];
    const verdict = name === 'node -e 0' ? '' : `  goal <= ${GOAL}x: ${ratio <= GOAL ? 'PASS' : 'MISS'}`;
    console.log(
      `  ${name.padEnd(12)} wall median ${fmt(median(wall[name]), 1).padStart(6)} ms ${fmt(ratio, 2)}x, ` +
        `cpu ${fmt(cpu[name] / ROUNDS, 1).padStart(6)} ms ${fmt(cpuRatio, 2)}x node -e 0${verdict}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
