// A log of 3,000,000 events (over 500 MB, beyond what one V8 string holds): `orc events --last 20` and
// `orc status` read its tail and succeed, and the next append scans it streamed (issue 17). The log is
// written straight in orc's stored format through one stream, as years of appends or a merge would
// leave it.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, tempWorkspace } from '../helpers.js';

const EVENTS = 3_000_000;
const BATCH = 10_000;
const TYPES = ['task.added', 'task.claimed', 'task.completed', 'note'];

/** `count` events one millisecond apart, ending now, appended to the log through one stream. */
async function appendEvents(file, count) {
  const out = createWriteStream(file, { flags: 'a' });
  const first = Date.now() - count;
  for (let i = 0; i < count; i += BATCH) {
    let chunk = '';
    for (let j = i; j < Math.min(count, i + BATCH); j++) {
      const id = `e-${j.toString(32).padStart(12, '0')}`;
      const ts = new Date(first + j).toISOString();
      const subject = `t-${(j % 5000).toString(32).padStart(12, '0')}`;
      chunk += `{"id":"${id}","ts":"${ts}","actor":"agent-${j % 7}","type":"${TYPES[j % 4]}","subject":"${subject}","data":{"workstream":"build","title":"generated event ${j}"}}\n`;
    }
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

test('events --last 20, status and an append succeed on a log of 3,000,000 events', async (t) => {
  const dir = tempWorkspace(t);
  await appendEvents(join(dir, 'events.jsonl'), EVENTS);
  const events = orc(['--dir', dir, 'events', '--last', '20', '--json'], { timeout: 120_000 });
  assert.equal(events.code, 0, events.stderr);
  const last = JSON.parse(events.stdout);
  assert.equal(last.length, 20);
  assert.equal(last.at(-1).data.title, `generated event ${EVENTS - 1}`);
  assert.equal(last[0].data.title, `generated event ${EVENTS - 20}`);
  const typed = orc(['--dir', dir, 'events', '--type', 'note', '--last', '3', '--json'], {
    timeout: 120_000,
  });
  assert.equal(typed.code, 0, typed.stderr);
  assert.deepEqual(
    JSON.parse(typed.stdout).map((e) => e.data.title),
    [EVENTS - 9, EVENTS - 5, EVENTS - 1].map((j) => `generated event ${j}`),
  );
  const status = orc(['--dir', dir, 'status', '--json'], { timeout: 120_000 });
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.recentEvents.at(-1).data.title, `generated event ${EVENTS - 1}`);
  assert.equal(s.corruptEventLines, 0);
  // The first append after the log changed outside orc scans it for merge damage, streamed too.
  const logged = orc(['--dir', dir, 'log', 'bench.done', '{"n":1}', '--json'], { timeout: 120_000 });
  assert.equal(logged.code, 0, logged.stderr);
  const tail = orc(['--dir', dir, 'events', '--last', '1', '--json'], { timeout: 120_000 });
  assert.deepEqual(JSON.parse(tail.stdout)[0].data, { n: 1 });
});
