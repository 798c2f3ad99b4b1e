// Runs at scale, through the library's executor (issue 17):
//  - 2,000 steps of `true` (and 250, to see that the cost per step does not grow with the run): the
//    orchestration overhead per step, defined as orc's wall time per step less the time node alone
//    takes to run `true` (child_process.spawn, stdin piped with a brief, stdout and stderr read,
//    awaited to 'close'; the runner itself starts steps through execa, whose cost counts as overhead), measured in this process before and after each run; and the
//    bytes the process wrote (write(2) bytes from /proc/self/io: run files, board tasks, events, journal).
//  - the 200-step DAG of bench/dag.js with a 50 ms sleep per step, at concurrency 1 and 8.
// A bare `node -e 0` is timed in the same rounds, for scale. Figures, not tests: a MISS is printed,
// never an exit code. `node bench/runs.js` runs this module alone.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAG_STEPS, dagWorkspace, layeredFlow, timeDagRun } from './dag.js';
import { LIB, ROOT, fmt, tempDir } from './util.js';

const { createRun, executeRun, findWorkspace, initWorkspace, loadOrchestratorConfig, planFromFlow } =
  await import(LIB);

// Not public API: the count of the runner's critical sections (workspace mutations), for the rows below.
const { RunTracker } = await import(join(ROOT, 'dist', 'lib', 'runs', 'index.js'));

const BIG = 2000;
const SMALL = 250;
const LAYER = 20;

/** Bytes this process has handed to write(2) so far (Linux), or undefined elsewhere. */
function bytesWritten() {
  try {
    const line = readFileSync('/proc/self/io', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('wchar:'));
    return line ? Number(line.slice(6)) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a fresh run of `steps` steps of `true` at concurrency 1: wall ms and bytes written. */
async function timeTrueRun(steps) {
  const dir = tempDir();
  initWorkspace(dir);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: noop, name: noop, description: does nothing, command: ["true"] }\nflows:\n${layeredFlow('wide', steps, LAYER)}\n`,
  );
  const ws = findWorkspace({ dir });
  const config = loadOrchestratorConfig(ws);
  const run = await createRun(ws, {
    task: 'bench',
    plan: planFromFlow(config.flows[0], {}),
    config,
    concurrency: 1,
  });
  const bytesBefore = bytesWritten();
  const started = performance.now();
  const done = await executeRun(ws, run.id, { config, pollMs: 50 });
  const ms = performance.now() - started;
  const bytes = bytesBefore === undefined ? undefined : bytesWritten() - bytesBefore;
  if (done.status !== 'complete') throw new Error(`run ended ${done.status}`);
  return { ms, bytes };
}

function spawnSyncTrueMs() {
  const started = performance.now();
  for (let i = 0; i < 50; i++) spawnSync('true');
  return (performance.now() - started) / 50;
}

function nodeBareMs() {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - started;
}

const BRIEF = `# Step s1 of run r-bench\n${'x'.repeat(150)}\n`;

/** One `true` run as the runner runs an agent: its own process group, stdin piped, output read. */
function runTrue() {
  return new Promise((resolve) => {
    const child = spawn('true', [], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH },
    });
    child.stdout.setEncoding('utf8').on('data', () => {});
    child.stderr.setEncoding('utf8').on('data', () => {});
    child.stdin.on('error', () => {});
    child.stdin.end(BRIEF);
    child.on('close', resolve);
  });
}

/** Node alone running `true` (see runTrue), one after the other: ms each. */
async function spawnTrueMs(times = 100) {
  const started = performance.now();
  for (let i = 0; i < times; i++) await runTrue();
  return (performance.now() - started) / times;
}

const mib = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`);

export async function run() {
  const began = performance.now();
  console.log(
    `## runs: ${SMALL} and ${BIG} steps of \`true\` (concurrency 1); the ${DAG_STEPS}-step DAG of a 50 ms sleep at concurrency 1 and 8`,
  );
  const bare = [nodeBareMs(), nodeBareMs(), nodeBareMs()].sort((a, b) => a - b)[1];
  // Node's own `true` is timed right before and right after each run (the machine's load drifts), and
  // each run is compared with the mean of its two.
  const timed = async (steps) => {
    const before = await spawnTrueMs();
    const f = await timeTrueRun(steps);
    const after = await spawnTrueMs();
    return { ...f, spawnMs: (before + after) / 2 };
  };
  const small = await timed(SMALL);
  const big = await timed(BIG);
  const overhead = (f, steps) => f.ms / steps - f.spawnMs;
  const smallOverhead = overhead(small, SMALL);
  const bigOverhead = overhead(big, BIG);
  console.log(
    `  node -e 0: ${fmt(bare)} ms; spawnSync('true'): ${fmt(spawnSyncTrueMs(), 1)} ms (for scale, not subtracted)`,
  );
  for (const [steps, f] of [
    [SMALL, small],
    [BIG, big],
  ]) {
    console.log(
      `  ${String(steps).padStart(4)} steps: ${fmt(f.ms)} ms in all; orc ${fmt(f.ms / steps, 2)} ms per step, node alone running \`true\` ${fmt(f.spawnMs, 2)} ms: ${fmt(overhead(f, steps), 2)} ms overhead (${fmt(overhead(f, steps) / bare, 3)}x node -e 0); ${mib(f.bytes)} written, ${f.bytes === undefined ? 'n/a' : fmt(f.bytes / steps)} bytes per step`,
    );
  }
  // The bytes per step of the two runs: 1 when the bytes written grow linearly with the steps.
  const bytesGrowth = big.bytes && small.bytes ? big.bytes / BIG / (small.bytes / SMALL) : undefined;
  // The overhead per step of the big run over the small: 1 when it is constant in the run's size.
  const overheadGrowth = bigOverhead / Math.max(smallOverhead, 0.1);

  // Each in a fresh workspace: a second run in the same one would also pay for what the first left
  // (its board tasks, events, and the memories its consolidation wrote, which every step's brief recalls).
  const movesPerStep = async (concurrency) => {
    const before = RunTracker.movesMade;
    const ms = await timeDagRun(dagWorkspace('["sleep", "0.05"]'), concurrency);
    return { ms, moves: (RunTracker.movesMade - before) / DAG_STEPS };
  };
  const one = await movesPerStep(1);
  const eight = await movesPerStep(8);
  const serial = one.ms;
  const parallel = eight.ms;
  console.log(
    `  ${DAG_STEPS} steps of a 50 ms sleep: concurrency 1 ${fmt(serial)} ms, concurrency 8 ${fmt(parallel)} ms; critical sections per step ${fmt(one.moves, 2)} and ${fmt(eight.moves, 2)}`,
  );

  const rows = [
    [
      `${BIG} steps of true: overhead per step`,
      `${fmt(bigOverhead, 2)} ms (${fmt(big.ms / BIG, 2)} - ${fmt(big.spawnMs, 2)} node)`,
      '<= 5 ms',
      bigOverhead <= 5,
    ],
    [
      `overhead per step, ${BIG} vs ${SMALL} steps`,
      `${fmt(overheadGrowth, 2)}x`,
      '<= 1.5x (constant)',
      overheadGrowth <= 1.5,
    ],
    [
      `bytes written per step, ${BIG} vs ${SMALL} steps`,
      bytesGrowth === undefined ? 'n/a' : `${fmt(bytesGrowth, 2)}x (${mib(big.bytes)} at ${BIG})`,
      '<= 1.25x (linear)',
      bytesGrowth !== undefined && bytesGrowth <= 1.25,
    ],
    [
      `${DAG_STEPS} x 50 ms sleep, concurrency 8 vs 1`,
      `${fmt(serial / parallel, 2)}x faster`,
      '>= 6x',
      serial / parallel >= 6,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, goal, ok] of rows)
    console.log(
      `  ${name.padEnd(width)}  ${value.padEnd(34)} goal ${goal.padEnd(20)} ${ok ? 'PASS' : 'MISS'}`,
    );
  const misses = rows.filter((r) => !r[3]).length;
  console.log(
    `  ${misses === 0 ? 'all targets met' : `${misses} target(s) MISSED`} (runs bench took ${fmt((performance.now() - began) / 1000)} s)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
