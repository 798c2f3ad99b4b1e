// Shared by benchmark modules: temp workspaces and number formatting.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LIB = join(ROOT, 'dist', 'lib', 'index.js');

/** A temp folder removed when the process exits. */
export function tempDir(prefix = 'orc-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const fmt = (n, digits = 0) => n.toFixed(digits);

/** The median of a list of numbers (NaN for none). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (nearest rank) of a list of numbers (NaN for none). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Writes a CommonJS file into `dir` that, preloaded with `node --require <file>`, records the process's
 * peak resident memory (KiB) in the file named by $BENCH_RSS_FILE as it exits. Works without GNU time,
 * and costs the same in `node -e 0` as in the command measured. On Linux it reads VmHWM, the peak of
 * this program image alone: getrusage's maxrss also counts the pages a forked child shared with its
 * parent before exec, so a big bench process would inflate every figure.
 */
export function writeRssHook(dir) {
  const path = join(dir, 'rss-hook.cjs');
  writeFileSync(
    path,
    `'use strict';
const out = process.env.BENCH_RSS_FILE;
if (out) {
  delete process.env.BENCH_RSS_FILE; // not inherited by the process's own children
  process.on('exit', () => {
    const fs = require('node:fs');
    let kib = process.resourceUsage().maxRSS;
    try {
      const hwm = /^VmHWM:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (hwm) kib = Number(hwm[1]);
    } catch {}
    try { fs.writeFileSync(out, String(kib)); } catch {}
  });
}
`,
  );
  return path;
}

/**
 * Runs `node <args>` with the RSS hook preloaded: wall time (ms), exit status, output and peak RSS
 * (KiB, NaN when the process died before its exit hook ran). Never throws for a failing command.
 */
export function measureNode(args, { hook, env = process.env, timeoutMs = 600_000, input } = {}) {
  const rssFile = join(dirname(hook), `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--require', hook, ...args], {
    encoding: 'utf8',
    env: { ...env, BENCH_RSS_FILE: rssFile },
    maxBuffer: 1 << 29,
    timeout: timeoutMs,
    input,
  });
  const ms = performance.now() - started;
  let rssKiB = Number.NaN;
  if (existsSync(rssFile)) {
    rssKiB = Number(readFileSync(rssFile, 'utf8'));
    rmSync(rssFile, { force: true });
  }
  const failure = run.error
    ? String(run.error.message)
    : run.status !== 0
      ? `exit ${run.status ?? run.signal}: ${(run.stderr ?? '').trim().split('\n').pop()?.slice(0, 160) ?? ''}`
      : undefined;
  return {
    ms,
    status: run.status,
    signal: run.signal,
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    rssKiB,
    failure,
  };
}

/**
 * Runs one node process per source (an ES module) and starts their work together: each prints `ready`
 * once loaded, waits for a line on stdin, and prints one JSON line of results at the end. Resolves to
 * each child's last line parsed, or `{crashed: "exited …"}` for a child that printed none (killed after
 * `timeoutMs`, or failed).
 */
export function raceProcesses(sources, { env, timeoutMs }) {
  const children = [];
  const results = sources.map((source) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    let announced = false;
    const ready = new Promise((resolve) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (!announced && out.startsWith('ready\n')) {
          announced = true;
          resolve();
        }
      });
    });
    const done = new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        try {
          if (code !== 0) throw new Error('no result');
          resolve(JSON.parse(out.trim().split('\n').pop()));
        } catch {
          resolve({ crashed: `exited ${code ?? signal}` });
        }
      });
    });
    return { ready, done };
  });
  return (async () => {
    await Promise.race([Promise.all(results.map((r) => r.ready)), Promise.all(results.map((r) => r.done))]);
    for (const child of children) if (child.stdin.writable) child.stdin.end('go\n');
    return Promise.all(results.map((r) => r.done));
  })();
}

/** An open task in orc's stored format (keys in their written order), as a bench writes it directly. */
export function openTaskRecord({ id, title, description, priority, at }) {
  return {
    v: 1,
    id,
    workstream: 'build',
    title,
    description,
    priority,
    status: 'open',
    tags: [],
    deps: [],
    claim: null,
    attempts: 0,
    result: null,
    reason: null,
    createdBy: 'bench',
    createdAt: at,
    updatedAt: at,
  };
}
