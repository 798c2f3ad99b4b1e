// `orc serve` as a child process on 127.0.0.1 with a free port, for the HTTP and dashboard tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT, sleep, stopBeforeRemoval } from './helpers.js';
import { AGENTS } from './run-helpers.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** An agent whose every output waits for a person (`gate: true`), for runWorkspace's extra agents. */
export const REVIEWER_AGENT = `  - id: reviewer
    name: Reviewer
    description: echoes its brief; a person checks the output
    capabilities: [review]
    command: ${JSON.stringify([process.execPath, join(AGENTS, 'echo.js')])}
    gate: true
`;

/** A flow whose first step goes to the gated reviewer; the second runs after the approval. */
export const GATED_FLOW = `  - id: gated
    steps:
      - { id: draft, agent: reviewer, task: write a draft }
      - { id: publish, agent: echo, task: publish it, deps: [draft] }`;

/**
 * Starts `orc --dir <dir> serve --port 0` and reads the address from its first line; stopped with
 * SIGTERM when the test ends. `env.ORC_TOKEN` defaults to TOKEN (pass `ORC_TOKEN: ''` for the file).
 */
export async function startServe(t, dir, env = {}) {
  const childEnv = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester', ORC_TOKEN: TOKEN, ...env };
  delete childEnv.ORCHESTRATOR_DIR;
  const child = spawn(process.execPath, [BIN, '--dir', dir, 'serve', '--port', '0'], {
    cwd: ROOT,
    env: childEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  stopBeforeRemoval(dir, stop);
  t.after(stop);
  const deadline = Date.now() + 10_000;
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null) throw new Error(`orc serve exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`orc serve printed no address: ${stderr}`);
    await sleep(20);
  }
  const url = /^listening (http:\/\/\S+)/.exec(stdout)?.[1];
  if (!url) throw new Error(`unexpected first line: ${stdout}`);
  return { url, child, exited, output: () => ({ stdout, stderr }) };
}

/** fetch with the bearer token and a JSON body; resolves with {status, body, headers}. */
export async function call(url, path, { method, body, token = TOKEN, headers = {}, raw } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: method ?? (body !== undefined || raw !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Polls GET /api/runs/:id until `predicate(run)` holds. */
export async function waitForHttpRun(url, id, predicate, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(url, `/api/runs/${id}`);
    if (predicate(body)) return body;
    if (Date.now() > deadline)
      throw new Error(`run ${id} did not reach the state in time: ${JSON.stringify(body.steps ?? body)}`);
    await sleep(100);
  }
}
