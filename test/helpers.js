// Shared test helpers: temp workspaces and the real `orc` binary, run as a child process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
export const LIB = join(ROOT, 'dist', 'lib', 'index.js');

/**
 * A folder holding an `orc` that runs this build, put first on the PATH of every process the tests
 * start: git's merge driver runs `orc` from the PATH, as it would after `npm install -g`.
 */
export const ORC_ON_PATH = mkdtempSync(join(tmpdir(), 'orc-path-'));
writeFileSync(
  join(ORC_ON_PATH, 'orc'),
  `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
);
chmodSync(join(ORC_ON_PATH, 'orc'), 0o755);
process.on('exit', () => rmSync(ORC_ON_PATH, { recursive: true, force: true }));
export const PATH_WITH_ORC = `${ORC_ON_PATH}:${process.env.PATH ?? ''}`;

const CLEAN_ENV = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester', PATH: PATH_WITH_ORC };
delete CLEAN_ENV.ORCHESTRATOR_DIR;
delete CLEAN_ENV.ORC_DIR;
delete CLEAN_ENV.FORCE_COLOR;

const stopsBeforeRemoval = new Map();

/**
 * Has `stop` (ending a process that writes in `dir`, such as `orc serve`) run before the temp folder
 * holding `dir` is removed: a test's after-hooks run in the order they were registered, and the
 * folder's was registered first, so its removal would otherwise race the process it outlives.
 */
export function stopBeforeRemoval(dir, stop) {
  const at = resolve(dir);
  stopsBeforeRemoval.set(at, [...(stopsBeforeRemoval.get(at) ?? []), stop]);
}

/** A fresh temp folder, removed when the test ends. */
export function tempDir(t, prefix = 'orc-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(async () => {
    for (const [inside, stops] of stopsBeforeRemoval) {
      if (inside !== dir && !inside.startsWith(`${dir}${sep}`)) continue;
      stopsBeforeRemoval.delete(inside);
      for (const stop of stops) await stop();
    }
    // Retried: a background process of the test (a detached run finishing) may still be writing there.
    rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
  });
  return dir;
}

/** A temp folder with an initialised workspace; returns the folder. */
export function tempWorkspace(t) {
  const dir = tempDir(t);
  const run = orc(['init', dir]);
  if (run.code !== 0) throw new Error(`orc init failed: ${run.stderr}`);
  return dir;
}

/** Runs `orc` synchronously; `json()` parses stdout. */
export function orc(args, options = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...CLEAN_ENV, ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeout ?? 30_000,
  });
  return {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    json: () => JSON.parse(result.stdout),
  };
}

/** `orc --dir <dir> --json …`, asserting success, returning the parsed output. */
export function orcJson(dir, args, options) {
  const run = orc(['--dir', dir, '--json', ...args], options);
  if (run.code !== 0) throw new Error(`orc ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.json();
}

/** Resolves with a child process's exit code or signal and all it printed. */
function outcome(child) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `orc` as a child process without waiting; resolves with its outcome. */
export function orcAsync(args, options = {}) {
  return outcome(
    spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...CLEAN_ENV, ...options.env },
    }),
  );
}

/** Runs a node script (ESM source text) as a child process; resolves with its outcome. */
export function nodeScript(source, options = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    env: { ...CLEAN_ENV, ...options.env },
  });
  options.onSpawn?.(child);
  return outcome(child);
}

/** Asserts that `promise` rejects with an OrcError of `code` whose message matches `pattern`. */
export function rejects(promise, code, pattern) {
  return assert.rejects(promise, (error) => error?.code === code && pattern.test(error.message));
}

/** A digest of every committed file of a workspace (not `.orc/`), to prove nothing changed. */
export function snapshot(dir) {
  const hash = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (relative(dir, path) === '.orc') continue;
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(dir, path)}\n`).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

export function readEventsFile(dir) {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `orc` that stops itself (SIGSTOP) when it reaches `point` of a commit or of the lock
 * (ORC_TEST_PAUSE_AT, a test-only hook in lib/storage/test-pause.ts). `paused` resolves true once it
 * has stopped there, false if it exited without reaching it; `done` with its outcome.
 */
export function orcPausedAt(args, point, options = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...CLEAN_ENV, ...options.env, ORC_TEST_PAUSE_AT: point },
  });
  const done = outcome(child);
  let stderr = '';
  const paused = new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes(`orc-test-paused ${point} `)) resolve(true);
    });
    done.then(() => resolve(false));
  });
  return { child, paused, done };
}
