// The event log read from its tail and streamed in chunks (issue 17): the same events and corrupt lines
// as reading the whole file as one string, across chunk boundaries, long lines, CRLF and filters.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  lastLineStart,
  matchesEvent,
  parseEventLines,
  readEvents,
  readEventsFrom,
  readLinesBackward,
  readLinesForward,
  workspaceAt,
} from '../dist/lib/storage/index.js';
import { orc, tempWorkspace } from './helpers.js';

/** A seeded generator (mulberry32), so that a failing case can be replayed. */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const TYPES = ['task.added', 'task.claimed', 'task.completed', 'note', 'deploy.started'];
const SUBJECTS = ['t-1', 't-2', 't-3', 'api', ''];
const ACTORS = ['a1', 'a2', 'bench'];

/** A log as merges and crashes leave it: events in time order, blank, CRLF, corrupt and long lines. */
function randomLog(rng, count) {
  const lines = [];
  let ms = T0;
  for (let i = 0; i < count; i++) {
    ms += rng.int(60_000);
    const roll = rng.next();
    if (roll < 0.04) lines.push(rng.pick(['not json', '{"id":"e-half","ts":', '<<<<<<< ours', '{}']));
    else if (roll < 0.06) lines.push('');
    else {
      const note = roll < 0.08 ? 'é€𝄞'.repeat(rng.int(30_000)) : `n${i}`;
      const event = {
        id: `e-${i}`,
        ts: new Date(ms).toISOString(),
        actor: rng.pick(ACTORS),
        type: rng.pick(TYPES),
        subject: rng.pick(SUBJECTS),
        data: { note },
      };
      lines.push(JSON.stringify(event) + (roll > 0.97 ? '\r' : ''));
    }
  }
  return { text: lines.join('\n') + (rng.next() < 0.8 ? '\n' : ''), times: { first: T0, last: ms } };
}

/** What reading the whole file as one string gives: the reference the chunked reads must equal. */
function reference(text, filter) {
  const { events, corrupt } = parseEventLines(text);
  let matching = events.filter((e) => matchesEvent(e, filter));
  if (filter.last !== undefined) matching = matching.slice(Math.max(0, matching.length - filter.last));
  return { events: matching, corrupt };
}

function workspaceWith(t, text) {
  const dir = tempWorkspace(t);
  const ws = workspaceAt(dir);
  writeFileSync(ws.eventsFile, text);
  return { dir, ws };
}

test('lines read backwards and forwards in chunks are the lines of split, at any chunk size', (t) => {
  const { ws } = workspaceWith(t, '');
  const rng = random(7);
  const samples = [
    '',
    '\n',
    'a',
    'a\n',
    '\n\n',
    'ab\r\ncd\r\n',
    'é€𝄞\nx𝄞y\n𝄞',
    'a'.repeat(50),
    `${'b'.repeat(40)}\n\nc`,
  ];
  for (let i = 0; i < 30; i++)
    samples.push(
      Array.from({ length: rng.int(12) }, () =>
        [...'€x\r𝄞'].slice(0, rng.int(5)).join('').repeat(rng.int(9)),
      ).join('\n'),
    );
  for (const text of samples) {
    writeFileSync(ws.eventsFile, text);
    const size = Buffer.byteLength(text);
    const lines = text.split('\n');
    for (const chunk of [1, 2, 3, 5, 8, 64]) {
      const backward = [...readLinesBackward(ws, ws.eventsFile, 0, size, chunk)];
      assert.deepEqual(
        backward.map((l) => l.text),
        [...lines].reverse(),
        `backward, chunk ${chunk}: ${JSON.stringify(text)}`,
      );
      for (const line of backward)
        assert.equal(Buffer.from(text).subarray(line.offset).toString().split('\n')[0], line.text, 'offset');
      assert.deepEqual(
        [...readLinesForward(ws, ws.eventsFile, 0, size, chunk)],
        lines,
        `forward, chunk ${chunk}`,
      );
    }
    const end = text.lastIndexOf('\n') + 1;
    assert.equal(lastLineStart(ws, ws.eventsFile, 0, size), Buffer.byteLength(text.slice(0, end)));
  }
});

test('a tail read equals a full read on random logs, for every filter', (t) => {
  const { ws } = workspaceWith(t, '');
  for (let seed = 1; seed <= 40; seed++) {
    const rng = random(seed);
    const { text, times } = randomLog(rng, rng.int(400));
    writeFileSync(ws.eventsFile, text);
    const full = readEvents(ws);
    assert.deepEqual(full.events, reference(text, {}).events, `seed ${seed}: full read`);
    assert.deepEqual(full.corrupt, reference(text, {}).corrupt, `seed ${seed}: full read corrupt lines`);
    assert.equal(full.offset, Buffer.byteLength(text));
    for (let k = 0; k < 12; k++) {
      const filter = {};
      if (rng.next() < 0.8) filter.last = rng.int(30);
      if (rng.next() < 0.3) filter.type = rng.pick(['task.', 'note', 'deploy.started', 'nothing']);
      if (rng.next() < 0.3) filter.subject = rng.pick(SUBJECTS);
      if (rng.next() < 0.2) filter.subjects = [rng.pick(SUBJECTS), rng.pick(SUBJECTS)];
      if (rng.next() < 0.3) filter.actor = rng.pick(ACTORS);
      if (rng.next() < 0.3) filter.since = times.first + rng.next() * (times.last - times.first + 1);
      const what = `seed ${seed}, filter ${JSON.stringify(filter)}`;
      const want = reference(text, filter);
      const read = readEvents(ws, filter);
      assert.deepEqual(read.events, want.events, what);
      // The corrupt lines reported are those among the lines read: all of them after the first event returned.
      const all = new Map(want.corrupt.map((c) => [c.line, c.text]));
      for (const c of read.corrupt) assert.equal(all.get(c.line), c.text, `${what}: corrupt line ${c.line}`);
      const lines = text.split('\n');
      const firstLine = read.events.length
        ? lines.findIndex((l) => l.includes(`"id":"${read.events[0].id}"`)) + 1
        : 0;
      if (read.events.length > 0)
        assert.deepEqual(
          read.corrupt.filter((c) => c.line > firstLine),
          want.corrupt.filter((c) => c.line > firstLine),
          what,
        );
    }
  }
});

test('a tail read stops where it has enough: a bad line before it is not read, one after it is numbered', (t) => {
  const lines = [];
  for (let i = 0; i < 3000; i++)
    lines.push(
      JSON.stringify({
        id: `e-${i}`,
        ts: new Date(T0 + i * 10_000).toISOString(),
        actor: 'a',
        type: 'note',
        subject: `s${i % 3}`,
        data: {},
      }),
    );
  lines.splice(5, 0, 'broken early');
  lines.splice(2990, 0, 'broken late');
  const { ws, dir } = workspaceWith(t, `${lines.join('\r\n')}\r\n`);
  const read = readEvents(ws, { last: 5 });
  assert.deepEqual(
    read.events.map((e) => e.id),
    ['e-2995', 'e-2996', 'e-2997', 'e-2998', 'e-2999'],
  );
  assert.deepEqual(read.corrupt, [], 'the bad lines lie before the tail read');
  const more = readEvents(ws, { last: 20 });
  assert.deepEqual(more.corrupt, [{ line: 2991, text: 'broken late\r' }]);
  assert.equal(readEvents(ws, { last: 0 }).events.length, 0);
  // since stops an hour (the slack) before it: the early bad line is never reached.
  const recent = readEvents(ws, { since: T0 + 20_000_000, subject: 's1' });
  assert.ok(recent.events.every((e) => Date.parse(e.ts) >= T0 + 20_000_000 && e.subject === 's1'));
  assert.equal(
    recent.events.length,
    reference(lines.join('\r\n'), { since: T0 + 20_000_000, subject: 's1' }).events.length,
  );
  assert.deepEqual(
    recent.corrupt.map((c) => c.line),
    [2991],
  );
  // The CLI prints the bad line's number counted from the file's start.
  const out = orc(['--dir', dir, 'events', '--last', '20', '--json']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(JSON.parse(out.stdout).length, 20);
  assert.match(out.stderr, /line 2991 /);
});

test('a last line without its newline and lines longer than a chunk are read whole', (t) => {
  const long = (i) => ({
    id: `e-${i}`,
    ts: new Date(T0 + i).toISOString(),
    actor: 'a',
    type: 'note',
    subject: 's',
    data: { text: 'x'.repeat(200_000 + i) },
  });
  const text = `${JSON.stringify(long(1))}\n${JSON.stringify(long(2))}\n${JSON.stringify(long(3))}`;
  const { ws } = workspaceWith(t, text);
  assert.deepEqual(readEvents(ws, { last: 2 }).events, [long(2), long(3)]);
  assert.deepEqual(readEvents(ws).events, [long(1), long(2), long(3)]);
  // A follower takes only the complete lines; the half-written last one waits for its newline.
  const from = readEventsFrom(ws, 0);
  assert.deepEqual(from.events, [long(1), long(2)]);
  assert.equal(from.offset, text.lastIndexOf('\n') + 1);
  appendFileSync(ws.eventsFile, '\n');
  const rest = readEventsFrom(ws, from.offset);
  assert.deepEqual(rest.events, [long(3)]);
  assert.equal(rest.offset, text.length + 1);
  assert.deepEqual(readEventsFrom(ws, rest.offset).events, []);
});

test('a tail read by subject skims lines about other subjects yet reports the torn and garbled ones', (t) => {
  const event = (i, subject) =>
    JSON.stringify({
      id: `e-${i}`,
      ts: new Date(T0 + i).toISOString(),
      actor: 'a',
      type: 'note',
      subject,
      data: {},
    });
  const lines = [
    event(0, 't-1'),
    event(1, 't-2'),
    '{"id":"e-torn","ts":"2026',
    event(2, 't-2'),
    '=======',
    event(3, 't-2'),
  ];
  const { ws } = workspaceWith(t, `${lines.join('\n')}\n`);
  const read = readEvents(ws, { subject: 't-1', last: 10 });
  assert.deepEqual(
    read.events.map((e) => e.id),
    ['e-0'],
  );
  assert.deepEqual(read.corrupt, [
    { line: 3, text: '{"id":"e-torn","ts":"2026' },
    { line: 5, text: '=======' },
  ]);
  assert.deepEqual(
    readEvents(ws, { subjects: ['t-9', 't-1'], last: 1 }).events.map((e) => e.id),
    ['e-0'],
  );
  assert.deepEqual(readEvents(ws, { subjects: [], last: 1 }).events, []);
});
