// The core board: CLI wall time at 0, 1,000 and 10,000 tasks as a ratio to `node -e 0`, and library
// mutations per second with 8 competing processes (with lost updates and double claims counted).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, LIB, fmt, tempDir, timeCommands, timeProcess, verdict } from './util.js';

const { newId } = await import('../dist/lib/ids.js');
const { orderTask } = await import('../dist/lib/task-schema.js');

function orc(dir, ...args) {
  const run = spawnSync(process.execPath, [BIN, '--dir', dir, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`orc ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** A workspace with `count` open tasks, written directly in the stored format (as a merge would). */
function workspaceWith(count) {
  const dir = tempDir();
  orc(dir, 'init', dir);
  orc(dir, 'ws', 'create', 'build');
  orc(dir, 'a', 'register', 'bench-agent');
  const now = new Date().toISOString();
  let events = '';
  for (let i = 0; i < count; i++) {
    const task = orderTask({
      v: 1,
      id: newId('t'),
      workstream: 'build',
      title: `benchmark task ${i}`,
      description: 'a task generated for the benchmark',
      priority: i % 10,
      status: 'open',
      tags: ['bench'],
      deps: [],
      claim: null,
      attempts: 0,
      result: null,
      reason: null,
      createdBy: 'bench',
      createdAt: now,
      updatedAt: now,
    });
    writeFileSync(join(dir, 'state/tasks', `${task.id}.json`), `${JSON.stringify(task, null, 2)}\n`);
    events += `${JSON.stringify({ id: newId('e'), ts: now, actor: 'bench', type: 'task.added', subject: task.id, data: {} })}\n`;
  }
  appendFileSync(join(dir, 'events.jsonl'), events);
  return dir;
}

async function competingWriters(processes, each) {
  const dir = tempDir();
  orc(dir, 'init', dir);
  orc(dir, 'ws', 'create', 'build');
  const source = `
    import { addTask, findWorkspace } from ${JSON.stringify(LIB)};
    const ws = findWorkspace({ dir: ${JSON.stringify(dir)} });
    for (let i = 0; i < ${each}; i++) await addTask(ws, { workstream: 'build', title: 'p' + process.pid + '-' + i });`;
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: 'inherit' });
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const tasks = readdirSync(join(dir, 'state/tasks')).filter((n) => n.endsWith('.json')).length;
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"task.added"')).length;
  return { perSecond: (processes * each) / seconds, lost: processes * each - Math.min(tasks, events) };
}

async function competingClaimers(processes, count) {
  const dir = workspaceWith(count);
  for (let i = 0; i < processes; i++) orc(dir, 'a', 'register', `agent-${i}`);
  const source = (i) => `
    import { findWorkspace, nextTask } from ${JSON.stringify(LIB)};
    const ws = findWorkspace({ dir: ${JSON.stringify(dir)} });
    const got = [];
    for (;;) { const t = await nextTask(ws, { agent: 'agent-${i}' }); if (!t) break; got.push(t.id); }
    console.log(JSON.stringify(got));`;
  const outputs = await Promise.all(
    Array.from(
      { length: processes },
      (_, i) =>
        new Promise((resolve, reject) => {
          let out = '';
          const child = spawn(process.execPath, ['--input-type=module', '-e', source(i)], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.on('close', (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`claimer exited ${code}`)),
          );
        }),
    ),
  );
  const claimed = outputs.flat();
  return {
    claimed: claimed.length,
    doubles: claimed.length - new Set(claimed).size,
    missed: count - new Set(claimed).size,
  };
}

export async function run() {
  console.log('## core: CLI wall time (median of 15, interleaved with node -e 0)');
  const rows = [];
  for (const count of [0, 1000, 10000]) {
    const dir = workspaceWith(count + 40); // +40: enough ready tasks for every `t next`
    const cold = timeProcess([BIN, '--dir', dir, '--json', 't', 'list']);
    const figures = timeCommands({
      '--help': () => [BIN, '--help'],
      't add': (r) => [BIN, '--dir', dir, '--json', 't', 'add', 'build', `added ${r}`],
      't list --json': () => [BIN, '--dir', dir, '--json', 't', 'list'],
      't next': () => [BIN, '--dir', dir, '--json', 't', 'next', 'bench-agent'],
    });
    console.log(`${count} tasks (cold t list, index build: ${fmt(cold)} ms)`);
    for (const [name, f] of Object.entries(figures)) {
      console.log(
        `  ${name.padEnd(14)} median ${fmt(f.median).padStart(4)} ms  min ${fmt(f.min).padStart(4)} ms  ${fmt(f.ratio, 2)}x`,
      );
    }
    rows.push({ count, figures });
  }
  console.log('## core: library mutations with 8 competing processes');
  const writers = await competingWriters(8, 50);
  console.log(`  addTask: ${fmt(writers.perSecond)} mutations/s; lost updates: ${writers.lost}`);
  const claimers = await competingClaimers(8, 200);
  console.log(
    `  nextTask over 200 tasks: ${claimers.claimed} claims, double claims: ${claimers.doubles}, never handed out: ${claimers.missed}`,
  );
  const at10k = rows.find((r) => r.count === 10000).figures;
  console.log('## core: targets');
  const targets = [
    ['t add within 2x at 10k', at10k['t add'].ratio <= 2],
    ['t next within 2x at 10k', at10k['t next'].ratio <= 2],
    ['t list --json within 3x at 10k', at10k['t list --json'].ratio <= 3],
    ['zero lost updates', writers.lost === 0],
    ['zero double claims', claimers.doubles === 0 && claimers.missed === 0],
  ];
  for (const [name, ok] of targets) console.log(`  ${verdict(ok)}  ${name}`);
}
