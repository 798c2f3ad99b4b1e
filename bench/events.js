// The event log at 1,000,000 events: wall time of `orc events --last 20 --json` and `orc status --json`
// as a ratio to a bare `node -e 0` measured in the same rounds; both read the log from its tail, so they
// cost what they print, not the log's size. Figures, not tests: a MISS is printed, never an exit code.
// Alone: `node bench/events.js`.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tempDir } from './util.js';

const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const EVENTS = 1_000_000;
const ROUNDS = 15;
const GOAL = 2.5;
const ENV = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'bench' };
delete ENV.ORCHESTRATOR_DIR;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function timed(args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: ENV, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms: performance.now() - started, stdout: run.stdout };
}

/** `count` events one millisecond apart, in orc's stored format, appended through one stream. */
async function appendEvents(file, count) {
  const out = createWriteStream(file, { flags: 'a' });
  const first = Date.now() - count;
  const types = ['task.added', 'task.claimed', 'task.completed', 'note'];
  for (let i = 0; i < count; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(count, i + 10_000); j++) {
      const id = `e-${j.toString(32).padStart(12, '0')}`;
      const subject = `t-${(j % 5000).toString(32).padStart(12, '0')}`;
      const ts = new Date(first + j).toISOString();
      chunk += `{"id":"${id}","ts":"${ts}","actor":"agent-${j % 7}","type":"${types[j % 4]}","subject":"${subject}","data":{"workstream":"build","title":"generated event ${j}"}}\n`;
    }
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

export async function run() {
  console.log(`## events: the event log at ${EVENTS.toLocaleString('en-US')} events (median of ${ROUNDS})`);
  const dir = tempDir();
  timed([BIN, 'init', dir]);
  timed([BIN, '--dir', dir, 'ws', 'create', 'build']);
  await appendEvents(join(dir, 'events.jsonl'), EVENTS);
  const commands = {
    'node -e 0': ['-e', '0'],
    'events --last 20': [BIN, '--dir', dir, 'events', '--last', '20', '--json'],
    status: [BIN, '--dir', dir, 'status', '--json'],
  };
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, args] of Object.entries(commands)) samples[name].push(timed(args).ms);
  const base = median(samples['node -e 0']);
  const rows = ['events --last 20', 'status'].map((name) => {
    const ratio = median(samples[name]) / base;
    return [
      `${name} at 1M events vs node -e 0`,
      `${ratio.toFixed(2)}x (${median(samples[name]).toFixed(0)} ms; node -e 0 ${base.toFixed(0)} ms)`,
      `<= ${GOAL}x`,
      ratio <= GOAL,
    ];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [name, value, goal, ok] of rows)
    console.log(
      `  ${name.padEnd(widths[0])}  ${value.padEnd(widths[1])}  ${goal.padEnd(widths[2])}  ${ok ? 'PASS' : 'MISS'}`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
