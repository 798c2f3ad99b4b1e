// The event log in segments: the live events.jsonl is closed into events/<first event>.jsonl once it
// passes ORC_EVENT_SEGMENT_BYTES; reads cross segments as if the log were one file, a crash inside
// the rotation loses nothing, two branches that both rotated merge with every event once (real git),
// and doctor checks and repairs each segment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  EventIdHashes,
  eventIdHash,
  eventLogSize,
  isSegmentName,
  mutate,
  readEvents,
  readEventsFrom,
  workspaceAt,
} from '../dist/lib/storage/index.js';
import { commitAll, git, merge, repoWorkspace } from './git-helpers.js';
import { orc, orcJson, orcPausedAt, tempDir, tempWorkspace } from './helpers.js';

const SMALL = 1024;

/** Logs `count` events in-process (one commit each), rotating at SMALL bytes; returns their ids. */
async function logEvents(dir, count, label) {
  const previous = process.env.ORC_EVENT_SEGMENT_BYTES;
  process.env.ORC_EVENT_SEGMENT_BYTES = String(SMALL);
  try {
    const ws = workspaceAt(dir);
    const ids = [];
    for (let i = 0; i < count; i++) {
      const event = await mutate(ws, 'tester', (m) => m.emit('test.logged', `${label}-${i % 3}`, { i }));
      ids.push(event.id);
    }
    return ids;
  } finally {
    if (previous === undefined) delete process.env.ORC_EVENT_SEGMENT_BYTES;
    else process.env.ORC_EVENT_SEGMENT_BYTES = previous;
  }
}

const segmentsOf = (dir) => (existsSync(join(dir, 'events')) ? readdirSync(join(dir, 'events')).sort() : []);
const allIds = (dir) => orcJson(dir, ['events']).map((e) => e.id);
const lines = (path) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

test('the live log is closed into a segment named after its first event once it passes the threshold', async (t) => {
  const dir = tempWorkspace(t);
  const ids = await logEvents(dir, 40, 's');
  const segments = segmentsOf(dir);
  assert.ok(segments.length >= 3, `several segments: ${segments}`);
  for (const name of segments) {
    assert.ok(isSegmentName(name), name);
    const first = JSON.parse(lines(join(dir, 'events', name))[0]);
    assert.ok(name.endsWith(`-${first.id}.jsonl`), `${name} is named after ${first.id}`);
    assert.equal(name.slice(0, 24), first.ts.replace(/[:.]/g, '-'));
  }
  // Each file stays near the threshold: the live one below it, the closed ones just past it.
  assert.ok(readFileSync(join(dir, 'events.jsonl')).length < SMALL);
  // Every event once, in order, across the files; the segments' merge rule is in .gitattributes.
  const read = allIds(dir);
  assert.deepEqual(read.slice(-40), ids);
  assert.equal(new Set(read).size, read.length);
  assert.match(readFileSync(join(dir, '.gitattributes'), 'utf8'), /^events\/\*\.jsonl merge=union$/m);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});

test('events --last and --since cross segment boundaries; a follower reads on across a rotation', async (t) => {
  const dir = tempWorkspace(t);
  const ids = await logEvents(dir, 30, 'x');
  const live = lines(join(dir, 'events.jsonl')).length;
  // More than the live file holds: the newest segments are read too, newest first.
  const n = live + 9;
  assert.deepEqual(
    orcJson(dir, ['events', '--last', String(n)]).map((e) => e.id),
    ids.slice(-n),
  );
  assert.deepEqual(
    orcJson(dir, ['events', '--subject', 'x-1', '--last', '4']).map((e) => e.id),
    ids.filter((_, i) => i % 3 === 1).slice(-4),
  );
  assert.deepEqual(
    orcJson(dir, ['events', '--since', '1h', '--type', 'test.']).map((e) => e.id),
    ids,
  );
  const ws = workspaceAt(dir);
  // `within` bounds a backward read and says it stopped early.
  const bounded = readEvents(ws, { subject: 'x-0', last: 30, within: 600 });
  assert.equal(bounded.truncated, true);
  assert.ok(bounded.events.length < 10);
  assert.deepEqual(
    bounded.events.map((e) => e.id),
    ids.filter((_, i) => i % 3 === 0).slice(-bounded.events.length),
  );
  // A follower's position stays valid across rotations: it gets exactly what came after it.
  const position = eventLogSize(ws);
  const segmentsBefore = segmentsOf(dir).length;
  const later = await logEvents(dir, 15, 'y');
  assert.ok(segmentsOf(dir).length > segmentsBefore, 'rotated meanwhile');
  const followed = readEventsFrom(ws, position);
  assert.deepEqual(
    followed.events.map((e) => e.id),
    later,
  );
  assert.equal(followed.offset, eventLogSize(ws));
  assert.deepEqual(
    readEventsFrom(ws, 0)
      .events.map((e) => e.id)
      .slice(-45),
    [...ids, ...later],
  );
});

test('a process killed between closing the live log and starting a new one loses no event', async (t) => {
  const dir = tempWorkspace(t);
  await logEvents(dir, 4, 'k');
  const env = { ORC_EVENT_SEGMENT_BYTES: String(SMALL) };
  // Grow the live file to just under the threshold, then let one more commit cross it and stop.
  let victim;
  for (let i = 0; i < 20; i++) {
    victim = orcPausedAt(['--dir', dir, 'log', 'crash.test', '--subject', `v${i}`], 'rotate:moved', { env });
    if (await victim.paused) break;
    await victim.done;
    victim = undefined;
  }
  assert.ok(victim, 'a commit reached the rotation');
  victim.child.kill('SIGKILL');
  await victim.done;
  assert.equal(existsSync(join(dir, 'events.jsonl')), false, 'killed after the rename');
  const ids = allIds(dir);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.length >= 6);
  const doctor = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  const next = orcJson(dir, ['log', 'after.crash'], { env });
  assert.deepEqual(allIds(dir), [...ids, next.id]);
});

test('two branches that both rotated merge with every event once, with the driver and with plain git', async (t) => {
  const dir = repoWorkspace(t);
  git(dir, 'checkout', '-q', '-b', 'a');
  const a = await logEvents(dir, 14, 'a');
  commitAll(dir, 'a');
  git(dir, 'checkout', '-q', 'main');
  git(dir, 'checkout', '-q', '-b', 'b');
  const b = await logEvents(dir, 17, 'b');
  commitAll(dir, 'b');
  git(dir, 'checkout', '-q', 'main');
  const base = allIds(dir);
  const expected = [...base, ...a, ...b].sort();
  const check = (where, what) => {
    const ids = allIds(where);
    assert.deepEqual([...ids].sort(), expected, `${what}: every event`);
    assert.equal(new Set(ids).size, ids.length, `${what}: each once`);
    assert.equal(orc(['--dir', where, 'doctor']).code, 0, `${what}: doctor`);
  };
  // Both closed a segment that begins with the base's first event: one path, merged line by line.
  const closed = (branch) => git(dir, 'ls-tree', '-r', '--name-only', branch, 'events').split('\n');
  assert.equal(closed('a')[0], closed('b')[0]);
  assert.ok(closed('a').length >= 2 && closed('b').length >= 2, 'each rotated more than once');

  // 1. With orc's driver (this clone has it).
  git(dir, 'checkout', '-q', '-b', 'driven', 'a');
  assert.equal(merge(dir, 'b'), 0, "the driver's merge conflicted");
  check(dir, 'driver');

  // 2. A clone where orc never ran: git's union merge, no driver.
  const clone = join(tempDir(t, 'orc-clone-'), 'c');
  execFileSync('git', ['clone', '-q', dir, clone]);
  git(clone, 'checkout', '-q', '-b', 'mine', 'origin/a');
  assert.equal(merge(clone, 'origin/b'), 0, 'plain git conflicted');
  const plain = [];
  for (const name of segmentsOf(clone)) plain.push(...lines(join(clone, 'events', name)));
  plain.push(...lines(join(clone, 'events.jsonl')));
  const plainIds = plain.map((line) => JSON.parse(line).id);
  assert.deepEqual([...plainIds].sort(), expected, 'plain git: every event once');

  // 3. One branch rotated, the other did not: nothing lost, nothing twice.
  git(dir, 'checkout', '-q', '-b', 'c', 'main');
  const c = orcJson(dir, ['log', 'only.here']);
  commitAll(dir, 'c');
  git(dir, 'checkout', '-q', '-b', 'mixed', 'a');
  assert.equal(merge(dir, 'c'), 0);
  const mixed = allIds(dir);
  assert.deepEqual([...mixed].sort(), [...base, ...a, c.id].sort());
  assert.equal(new Set(mixed).size, mixed.length);
});

test('doctor checks every segment: copies across files, bad lines, strays in events/; --fix repairs each', async (t) => {
  const dir = tempWorkspace(t);
  const ids = await logEvents(dir, 25, 'd');
  const [oldest, second] = segmentsOf(dir);
  const copied = lines(join(dir, 'events', oldest))[1];
  appendFileSync(join(dir, 'events.jsonl'), `${copied}\n`);
  appendFileSync(join(dir, 'events', second), 'not an event\n');
  writeFileSync(join(dir, 'events', 'stray.txt'), 'x');
  const check = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(check.code, 9);
  const found = JSON.parse(check.stdout).problems.map((p) => `${p.code} ${p.file}`);
  assert.deepEqual(found.sort(), [
    `CORRUPT_EVENT_LINES events/${second}`,
    'DUPLICATE_EVENTS events.jsonl',
    'ORPHAN_FILE events/stray.txt',
  ]);
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  const report = JSON.parse(fixed.stdout);
  assert.ok(report.problems.every((p) => p.fixed));
  assert.ok(report.quarantine.some((q) => q.endsWith('.unreadable.jsonl')));
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
  const after = allIds(dir).filter((id) => ids.includes(id));
  assert.deepEqual(after, ids, 'each event once, none lost');
  assert.equal(existsSync(join(dir, 'events', 'stray.txt')), false);
});

test('a log from before segments is split into segments of about the threshold at its next write', async (t) => {
  const dir = tempWorkspace(t);
  const old = Array.from({ length: 60 }, (_, i) => ({
    id: `e-old${String(i).padStart(9, '0')}`,
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    actor: 'before',
    type: 'test.old',
    subject: `o-${i}`,
    data: {},
  }));
  writeFileSync(join(dir, 'events.jsonl'), old.map((e) => `${JSON.stringify(e)}\n`).join(''));
  // Killed once its segments are written, before the live file is cut: the events are there twice.
  const env = { ORC_EVENT_SEGMENT_BYTES: String(SMALL) };
  const victim = orcPausedAt(['--dir', dir, 'log', 'split.crash'], 'rotate:split', { env });
  assert.equal(await victim.paused, true);
  victim.child.kill('SIGKILL');
  await victim.done;
  const twice = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(twice.code, 9);
  assert.match(twice.stdout, /DUPLICATE_EVENTS/);
  // The next write splits again: the same segments, and the live file cut to what is left.
  const next = orcJson(dir, ['log', 'after.split'], { env });
  const segments = segmentsOf(dir);
  assert.ok(segments.length >= 5, `split into several: ${segments}`);
  for (const name of segments) assert.ok(readFileSync(join(dir, 'events', name)).length < 2 * SMALL, name);
  const ids = allIds(dir);
  assert.equal(new Set(ids).size, ids.length, 'each event once');
  assert.deepEqual(
    ids.slice(0, 60),
    old.map((e) => e.id),
  );
  assert.equal(ids.at(-1), next.id);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});

test('a split copies the log byte for byte: its segments, then the live file, are the old log and the new event', async (t) => {
  const dir = tempWorkspace(t);
  const old = Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({
      id: `e-raw${String(i).padStart(9, '0')}`,
      ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      actor: 'before',
      type: 'test.old',
      subject: `o-${i}`,
      data: { note: 'é'.repeat(i % 7) },
    }),
  );
  // A blank line and a line ended by CRLF, as an editor may leave them: kept as they are.
  const text = `${old.slice(0, 20).join('\n')}\n\n${old[20]}\r\n${old.slice(21).join('\n')}\n`;
  writeFileSync(join(dir, 'events.jsonl'), text);
  const env = { ORC_EVENT_SEGMENT_BYTES: String(SMALL) };
  const next = orcJson(dir, ['log', 'after.split'], { env });
  const segments = segmentsOf(dir);
  assert.ok(segments.length >= 4, `split into several: ${segments}`);
  const joined = [...segments.map((name) => join(dir, 'events', name)), join(dir, 'events.jsonl')]
    .map((path) => readFileSync(path, 'utf8'))
    .join('');
  assert.ok(joined.startsWith(text), 'the old log, unchanged and in order');
  assert.equal(JSON.parse(joined.slice(text.length)).id, next.id);
  for (const name of segments) {
    const bytes = readFileSync(join(dir, 'events', name));
    assert.ok(bytes.length >= SMALL && bytes.at(-1) === 10, `${name}: at least the threshold, whole lines`);
  }
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});

test('the hashes of event ids: the repeated ones found exactly, past the expected count', () => {
  const hashes = new EventIdHashes(10);
  const ids = Array.from({ length: 5000 }, (_, i) => `e-${i.toString(36)}`);
  for (const id of ids) hashes.add(eventIdHash(id));
  for (const id of [ids[7], ids[4999], ids[7]]) hashes.add(eventIdHash(id));
  assert.deepEqual([...hashes.repeats()].sort(), [eventIdHash(ids[7]), eventIdHash(ids[4999])].sort());
});
