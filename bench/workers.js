// Workers: the 200-step DAG of bench/runs.js (no-op command agents), its steps executed by 1, 2 and 4
// `orc worker` processes through a local redis-server, against the same run in process. Prints the
// throughput in steps per second; then the same with steps that take 20 ms, where workers add up.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { noRedis, startRedis } from '../test/redis-harness.js';
import { DAG_STEPS as STEPS, dagWorkspace, timeDagRun } from './dag.js';
import { ROOT, fmt } from './util.js';

const CONCURRENCY = 8;

/** Starts `orc worker` processes and resolves once each says it is ready. */
async function startWorkers(dir, count) {
  const bin = join(ROOT, 'dist', 'bin', 'orc.js');
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.ORCHESTRATOR_REDIS_URL;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, [bin, '--dir', dir, '--json', 'worker'], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('"ready"')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`orc worker exited ${code}`)));
      });
      return child;
    }),
  );
}

const stepsPerSecond = async (dir) => (STEPS * 1000) / (await timeDagRun(dir, CONCURRENCY));

async function compare(redis, label, command, round) {
  const inProcess = await stepsPerSecond(dagWorkspace(command));
  console.log(`  ${label}, in process (no Redis): ${fmt(inProcess, 1)} steps/s`);
  for (const count of [1, 2, 4]) {
    const dir = dagWorkspace(command, `redis:\n  url: ${redis.url}\n  prefix: bench${round}-${count}\n`);
    const workers = await startWorkers(dir, count);
    try {
      const rate = await stepsPerSecond(dir);
      console.log(
        `  ${label}, ${count} worker${count > 1 ? 's' : ' '} (concurrency 1 each): ${fmt(rate, 1)} steps/s (${fmt(rate / inProcess, 2)}x in process)`,
      );
    } finally {
      await Promise.all(
        workers.map((w) => {
          const exited = new Promise((resolve) => w.on('exit', resolve));
          w.kill('SIGTERM');
          return exited;
        }),
      );
    }
  }
}

export async function run() {
  console.log(
    `## workers: a ${STEPS}-step DAG of command agents, run concurrency ${CONCURRENCY}, through Redis and BullMQ`,
  );
  if (noRedis) {
    console.log(`  skipped: ${noRedis}`);
    return;
  }
  const redis = await startRedis();
  try {
    await compare(redis, 'no-op steps', '["true"]', 1);
    await compare(redis, '20 ms steps', '["sleep", "0.02"]', 2);
  } finally {
    await redis.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
