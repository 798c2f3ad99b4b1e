// Shared by the benchmarks: temp workspaces, timed CLI calls and figures relative to `node -e 0`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
export const LIB = join(ROOT, 'dist', 'lib', 'index.js');

export function tempDir(prefix = 'orc-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Wall time of one process run, in ms. */
export function timeProcess(args, env = {}) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return ms;
}

/**
 * Times each command `rounds` times, interleaved with `node -e 0` so that both see the same machine
 * load; returns {name: {median, min, ratio}} with the ratio of medians to the baseline's.
 */
export function timeCommands(commands, rounds = 15) {
  const samples = { 'node -e 0': [] };
  for (const name of Object.keys(commands)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    samples['node -e 0'].push(timeProcess(['-e', '0']));
    for (const [name, make] of Object.entries(commands)) samples[name].push(timeProcess(make(r)));
  }
  const base = median(samples['node -e 0']);
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [
      name,
      { median: median(values), min: Math.min(...values), ratio: median(values) / base },
    ]),
  );
}

export const fmt = (n, digits = 0) => n.toFixed(digits);

export function verdict(ok) {
  return ok ? 'PASS' : 'MISS';
}
