// `node scripts/dashboard-first-paint.js [tasks] [rounds]` (after `npm run build`): a workspace of N tasks
// (1,000 unless told) in 10 workstreams, a tenth claimed, a chain of dependencies in each; `orc serve`;
// then, in headless Chromium, the time from navigation to the first paint of a board with its cards, and
// what one event costs the page (the requests it makes when a task is added by the CLI). Printed with
// `node -e 0` measured in the same rounds, as a ratio, since this machine's speed varies.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);
const token = 'first-paint-token-0123456789';
const env = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'bench', ORC_TOKEN: token };
delete env.ORCHESTRATOR_DIR;

async function seed(dir) {
  const orc = await import(join(ROOT, 'dist', 'lib', 'index.js'));
  const ws = orc.initWorkspace(dir).workspace;
  for (let w = 0; w < 10; w++) await orc.createWorkstream(ws, { name: `ws${w}` });
  await orc.registerAgent(ws, { id: 'ada', role: 'worker' });
  let previous = null;
  for (let i = 0; i < count; i++) {
    const deps = i % 10 !== 0 && previous && i % 3 === 0 ? [previous] : [];
    const task = await orc.addTask(ws, {
      workstream: `ws${i % 10}`,
      title: `Task ${i}: do the thing number ${i}`,
      description: `Details of task ${i}`,
      priority: i % 10,
      deps,
    });
    if (i % 10 === 0) await orc.claimTask(ws, task.id, 'ada');
    previous = i % 10 === 9 ? null : task.id;
  }
}

async function serve(dir) {
  const child = spawn(process.execPath, [BIN, '--dir', dir, 'serve', '--port', '0'], { env });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null) throw new Error('orc serve did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url: stdout.split(' ')[1].trim() };
}

function nodeStart() {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'orc-paint-'));
  await seed(dir);
  const { child, url } = await serve(dir);
  const browser = await launchChromium();
  const paints = [];
  const nodes = [];
  try {
    for (let round = 0; round < rounds; round++) {
      nodes.push(nodeStart());
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // The first animation frame after the first card is in the DOM: when the board is painted.
      await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (!document.querySelector('#board .task')) return;
          observer.disconnect();
          requestAnimationFrame(() => {
            window.__boardPaintedAt = performance.now();
          });
        }).observe(document, { childList: true, subtree: true });
      });
      await page.goto(`${url}/#token=${token}`);
      await page.waitForFunction(() => window.__boardPaintedAt !== undefined, null, { timeout: 30_000 });
      paints.push(await page.evaluate(() => window.__boardPaintedAt));
      if (round === rounds - 1) {
        const asked = [];
        page.on('request', (r) => asked.push(new URL(r.url()).pathname));
        const added = JSON.parse(
          execFileSync(
            process.execPath,
            [BIN, '--dir', dir, '--json', 't', 'add', 'ws1', 'One more', '--priority', '0'],
            { env },
          ),
        );
        await page.locator(`[data-task="${added.id}"]`).waitFor({ timeout: 10_000 });
        console.log(`one event (a task added by the CLI): the page asked for ${asked.join(', ')}`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  const paint = median(paints);
  const node = median(nodes);
  console.log(
    `${count} tasks: board painted ${paint.toFixed(0)} ms after navigation (median of ${rounds}: ${paints.map((p) => p.toFixed(0)).join(', ')})`,
  );
  console.log(
    `node -e 0: ${node.toFixed(0)} ms; ratio ${(paint / node).toFixed(1)}; goal under 1000 ms: ${paint < 1000 ? 'PASS' : 'MISS'}`,
  );
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
