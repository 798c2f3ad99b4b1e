// `npm run screenshot [-- out.png]`: a demo workspace (workstreams, tasks in every status, agents, a lock,
// a run waiting at a gate), `orc serve` on a free port, and a 1280×800 PNG of the dashboard
// (docs/dashboard.png unless told), taken with headless Chromium (Debian's `chromium`, through
// playwright-core), for people to look at. Stops everything after. `--dark`: in dark mode; `--detail`: with
// a task's detail panel open.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const args = process.argv.slice(2);
const dark = args.includes('--dark');
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'docs', 'dashboard.png'));
const dir = mkdtempSync(join(tmpdir(), 'orc-dashboard-'));
const token = 'screenshot-token-0123456789';
const env = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'ann', ORC_TOKEN: token };
delete env.ORCHESTRATOR_DIR;

const orc = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [BIN, '--dir', dir, '--json', ...args], { env, encoding: 'utf8' }),
  );

function setUp() {
  orc('init', dir);
  const echo = JSON.stringify([process.execPath, '-e', 'process.stdin.pipe(process.stdout)']);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `version: 1
orchestrator:
  name: demo
agents:
  - id: writer
    name: Writer
    description: drafts release notes
    capabilities: [writing]
    command: ${echo}
    gate: true
    gate_criteria: the notes name every breaking change
  - id: publisher
    name: Publisher
    description: publishes what was approved
    capabilities: [publish]
    command: ${echo}
flows:
  - id: release-notes
    steps:
      - { id: draft, agent: writer, task: "Draft the release notes for {{payload.version}}" }
      - { id: publish, agent: publisher, task: Publish the notes, deps: [draft] }
`,
  );
  orc('ws', 'create', 'backend', 'API and storage', '1');
  orc('ws', 'create', 'docs', 'Guides and reference', '2');
  orc('ws', 'create', 'ops', 'Deploys and monitoring', '3');
  orc('a', 'register', 'ada', 'worker', '--capabilities', 'db,api');
  orc('a', 'register', 'ben', 'writer', '--capabilities', 'writing');
  orc('a', 'register', 'cy', 'ops');
  const schema = orc('t', 'add', 'backend', 'Design the schema', 'Tables for users and orders', '1');
  orc('t', 'claim', schema.id, 'ada');
  orc('t', 'complete', schema.id, 'schema in db/schema.sql', '--agent', 'ada');
  const api = orc('t', 'add', 'backend', 'Build the orders API', '', '1', '--dep', schema.id);
  orc('t', 'claim', api.id, 'ada');
  orc('t', 'add', 'backend', 'Load test the API', '', '2', '--dep', api.id);
  orc('t', 'add', 'backend', '<img src=x onerror=alert(1)> shows as text', '', '4');
  const guide = orc('t', 'add', 'docs', 'Write the install guide', '', '2');
  orc('t', 'claim', guide.id, 'ben');
  orc('t', 'add', 'docs', 'Write the API guide', '', '3', '--dep', api.id);
  const old = orc('t', 'add', 'docs', 'Translate the old FAQ', '', '5');
  orc('t', 'cancel', old.id, '--reason', 'the FAQ is gone');
  const alerts = orc('t', 'add', 'ops', 'Set up alerts', '', '2');
  orc('t', 'claim', alerts.id, 'cy');
  orc('t', 'fail', alerts.id, 'no pager account yet', '--agent', 'cy');
  orc('t', 'add', 'ops', 'Blue-green deploys', '', '3');
  orc('lock', 'acquire', 'src/db/migrations', 'ada', '--ttl', '20m');
  orc('run', '--flow', 'release-notes', '--payload', 'version=2.0', 'Release notes for 2.0');
}

async function serve() {
  const child = spawn(process.execPath, [BIN, '--dir', dir, 'serve', '--port', '0'], { env });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const deadline = Date.now() + 10_000;
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('orc serve did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url: stdout.split(' ')[1].trim() };
}

async function main() {
  setUp();
  const { child, url } = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 800 },
      colorScheme: dark ? 'dark' : 'light',
    });
    await page.goto(`${url}/#token=${token}`);
    await page.locator('.pill.live').waitFor({ timeout: 10_000 });
    await page.locator('.gate').waitFor({ timeout: 10_000 });
    await page.locator('[data-workstream="ops"]').waitFor();
    await page.locator('#graph .node').first().waitFor();
    if (args.includes('--detail')) {
      await page.locator('.task', { hasText: 'Build the orders API' }).click();
      await page.locator('#detail-history li').first().waitFor();
    }
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    console.log(out);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
