// Reads at scale (issue 17): what status, t show and a brief do cheaply must give what they gave. Records
// recognised without zod are exactly those the schemas accept; a read of one task's recent events that
// passes over whole blocks of the log still reports every corrupt line it would have; status reads the
// claimed tasks' titles in one pass with readRecord's checks.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  agentSchema,
  isPlainAgent,
  isPlainLock,
  isPlainTask,
  isPlainWorkstream,
  lockSchema,
  taskSchema,
  validateTask,
  workstreamSchema,
} from '../dist/lib/records/index.js';
import {
  claimedTitles,
  countTitleReads,
  loadSummary,
  readEvents,
  workspaceAt,
} from '../dist/lib/storage/index.js';
import { orc, orcJson, tempWorkspace } from './helpers.js';

const STAMP = '2026-03-04T05:06:07.089Z';
const TASK = {
  v: 1,
  id: 't-abcd1234',
  workstream: 'build',
  title: 'A task',
  description: 'Line one\nline two',
  priority: 3,
  status: 'open',
  tags: ['api', 'db:main'],
  deps: ['t-efgh5678'],
  claim: null,
  attempts: 0,
  result: null,
  reason: null,
  createdBy: 'tester',
  createdAt: STAMP,
  updatedAt: STAMP,
};
const CLAIMED = {
  ...TASK,
  status: 'claimed',
  claim: { agent: 'a1', token: 'tok', claimedAt: STAMP, expiresAt: STAMP },
  notes: [{ id: 'n1', at: STAMP, by: 'a1', text: 'half done' }],
  lost: [{ agent: 'a2', token: 'tok2', claimedAt: 'whenever', lostTo: 'a1' }],
};
const AGENT = {
  v: 1,
  id: 'a1',
  role: 'worker',
  capabilities: ['ts', 'go'],
  registeredAt: STAMP,
  lastSeen: STAMP,
};
const WORKSTREAM = {
  v: 1,
  name: 'build',
  description: '',
  priority: 2,
  status: 'active',
  createdAt: STAMP,
  updatedAt: STAMP,
};
const LOCK = { v: 1, resource: 'db/main', owner: 'a1', count: 1, acquiredAt: STAMP, expiresAt: STAMP };

// Values a field may wrongly (or oddly) hold: each replaces one field in turn.
const ODD = [
  undefined,
  null,
  '',
  ' ',
  'x'.repeat(201),
  'two\nlines',
  'tab\there',
  'esc\u001b',
  '..',
  'a..b',
  't-ABCD',
  't-abc',
  -1,
  0,
  1,
  2.5,
  9,
  10,
  Number.NaN,
  true,
  [],
  ['x'],
  [1],
  {},
  '2026-02-29T00:00:00.000Z', // not a leap year
  '2024-02-29T00:00:00.000Z', // a leap year
  '2100-02-29T00:00:00.000Z', // not one
  '2000-02-29T00:00:00.000Z', // one
  '2026-04-31T00:00:00.000Z',
  '2026-13-01T00:00:00.000Z',
  '2026-12-31T24:00:00.000Z',
  '2026-12-31T23:60:00.000Z',
  '2026-12-31T23:59:60.000Z',
  '2026-12-31T23:59:59Z',
  '2026-12-31T23:59:59.1234Z',
  '2026-12-31T23:59:59.123+01:00',
  '2026-12-31 23:59:59.123Z',
  'claimed',
  'active',
];

function variants(record) {
  const out = [record];
  for (const key of Object.keys(record)) {
    for (const value of ODD) {
      const copy = { ...record };
      if (value === undefined) delete copy[key];
      else copy[key] = value;
      out.push(copy);
    }
    const inner = record[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner))
      for (const k of Object.keys(inner))
        for (const value of ODD) out.push({ ...record, [key]: { ...inner, [k]: value } });
    if (Array.isArray(inner) && inner.length > 0 && typeof inner[0] === 'object')
      for (const k of Object.keys(inner[0]))
        for (const value of ODD) out.push({ ...record, [key]: [{ ...inner[0], [k]: value }] });
  }
  out.push({ ...record, extra: 'ignored by the schema' }, [record], null, 'text');
  return out;
}

test('records recognised without zod are exactly valid ones; the rest still go to the schema', () => {
  const kinds = [
    ['task', TASK, isPlainTask, taskSchema],
    ['claimed task', CLAIMED, isPlainTask, taskSchema],
    ['agent', AGENT, isPlainAgent, agentSchema],
    ['workstream', WORKSTREAM, isPlainWorkstream, workstreamSchema],
    ['lock', LOCK, isPlainLock, lockSchema],
  ];
  for (const [noun, record, plain, schema] of kinds) {
    assert.equal(plain(record), true, `a ${noun} as orc writes it is plainly valid`);
    let plainCount = 0;
    for (const value of variants(record)) {
      const valid = schema().safeParse(value).success;
      if (plain(value)) {
        plainCount++;
        assert.equal(valid, true, `plainly valid but not to the schema: ${noun} ${JSON.stringify(value)}`);
      }
    }
    assert.ok(plainCount > 1, `${noun}: more than the record itself is plainly valid`);
  }
  // A task that is not plain is judged by the schema: valid ones pass, invalid ones name the problem.
  assert.deepEqual(validateTask({ ...TASK, createdAt: '2026-12-31T23:59:59.123+01:00' }, 'x').priority, 3);
  assert.throws(
    () => validateTask({ ...TASK, createdAt: '2026-02-29T00:00:00.000Z' }, 'state/tasks/t-abcd1234.json'),
    (e) => e.code === 'CORRUPT' && /createdAt: must be a timestamp/.test(e.message),
  );
});

const event = (i, subject, extra = '') =>
  `{"id":"e-${i}","ts":"${new Date(Date.parse(STAMP) + i).toISOString()}","actor":"a${i % 3}","type":"task.noted","subject":"${subject}","data":{"note":"n ${i}${extra}"}}`;

test("one subject's recent events: blocks without it are passed over, yet every corrupt line is reported", (t) => {
  const dir = tempWorkspace(t);
  const ws = workspaceAt(dir);
  const lines = [];
  // 3,000 events (about 450 KiB: several 64 KiB blocks), the subject only among the last ones.
  for (let i = 0; i < 3000; i++)
    lines.push(event(i, i >= 2990 && i % 2 === 0 ? 't-wanted' : `t-other${i % 50}`));
  lines[500] = 'not json';
  lines[1200] = '<<<<<<< ours';
  lines[1800] = '{"id":"e-torn","ts":';
  lines[2100] = `${event(2100, 't-other')}\u2028garbage`; // a line separator, then not JSON
  lines[2200] = `{"ts":"${STAMP}","id":"e-keys","actor":"a","type":"t","subject":"x","data":{}}`; // valid, other order
  lines[2300] = '';
  lines[2400] = `${event(2400, 't-other', '\u2028')}\r`; // valid: a line separator inside, CRLF
  writeFileSync(ws.eventsFile, `${lines.join('\n')}\n`);
  const read = readEvents(ws, { subject: 't-wanted', last: 10, within: 1024 * 1024 });
  assert.deepEqual(
    read.events.map((e) => e.id),
    ['e-2990', 'e-2992', 'e-2994', 'e-2996', 'e-2998'],
  );
  assert.deepEqual(
    read.corrupt.map((c) => c.line),
    [501, 1201, 1801, 2101],
    'the corrupt lines among those read, numbered',
  );
  const all = readEvents(ws, {});
  assert.deepEqual(
    all.corrupt.map((c) => c.line),
    [501, 1201, 1801, 2101],
    'the same as a full read finds',
  );
  // Cut at `within`: only the lines after the cut are read (the partial first one is not).
  const cut = readEvents(ws, { subject: 't-wanted', last: 10, within: 100_000 });
  assert.equal(cut.events.length, 5);
  assert.deepEqual(cut.corrupt, []);
  assert.equal(cut.truncated, true);
});

/** Rewrites a task file as git and most editors do: a new file renamed over it (the folder's stamp changes). */
function rewriteTask(dir, id, edit) {
  const file = join(dir, 'state', 'tasks', `${id}.json`);
  writeFileSync(`${file}.new`, edit(readFileSync(file, 'utf8')));
  renameSync(`${file}.new`, file);
}

test('status shows every claim with its title; titles are read again only for the tasks written since', async (t) => {
  const dir = tempWorkspace(t);
  const ws = workspaceAt(dir);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  const titles = ['First "quoted"', 'Second', 'Third'];
  const ids = titles.map((title) => orcJson(dir, ['t', 'add', 'build', title]).id);
  for (let i = 0; i < 3; i++) orcJson(dir, ['t', 'next', 'a1', '--another']);
  orcJson(dir, ['t', 'add', 'build', 'Not claimed']);
  const status = orc(['--dir', dir, 'status']);
  assert.equal(status.code, 0, status.stderr);
  for (const [i, id] of ids.entries())
    assert.ok(status.stdout.includes(`a1 holds ${id} ${JSON.stringify(titles[i])}`), status.stdout);
  const json = orcJson(dir, ['status']);
  assert.deepEqual(json.claims.map((c) => c.title).sort(), [...titles].sort());

  const reads = async () => {
    const before = countTitleReads();
    const got = claimedTitles(ws, await loadSummary(ws));
    return { titles: ids.map((id) => got.get(id)), read: countTitleReads() - before };
  };
  assert.deepEqual(await reads(), { titles, read: 0 }, 'nothing changed: no task file read');
  orcJson(dir, ['t', 'update', ids[1], '--title', 'Second, renamed']);
  orcJson(dir, ['t', 'add', 'build', 'Another unclaimed']);
  assert.deepEqual(
    await reads(),
    { titles: [titles[0], 'Second, renamed', titles[2]], read: 1 },
    'one claimed task rewritten by orc: that one read',
  );
  rewriteTask(dir, ids[2], (text) => text.replace('"Third"', '"Third, by hand"'));
  assert.deepEqual(
    await reads(),
    { titles: [titles[0], 'Second, renamed', 'Third, by hand'], read: 1 },
    'one rewritten by hand (as a pull would): that one read',
  );
  rmSync(ws.taskQueueFile);
  rewriteTask(dir, ids[0], (text) => text.replace('"First \\"quoted\\""', '"First, again"'));
  assert.deepEqual(
    await reads(),
    { titles: ['First, again', 'Second, renamed', 'Third, by hand'], read: 3 },
    'no journal to say what changed: every claimed task read',
  );
  // A corrupt claimed task, written as a pull would write it, still fails status as before.
  rewriteTask(dir, ids[1], () => '{ not json');
  const broken = orc(['--dir', dir, 'status']);
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, new RegExp(`state/tasks/${ids[1]}\\.json is not valid JSON`));
});
