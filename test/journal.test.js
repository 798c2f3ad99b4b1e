// A commit is all or nothing: a journal left by a killed process is rolled forward in process by the
// next locked operation or by `orc doctor --fix`; a torn one is discarded. (Real kills: e2e/crash.)
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  claimTask,
  createWorkstream,
  findWorkspace,
  listTasks,
  logEvent,
  registerAgent,
  runDoctor,
} from '../dist/lib/index.js';
import { makeEvent } from '../dist/lib/storage/events.js';
import { formatJson } from '../dist/lib/storage/json-file.js';
import { applyWrites, newJournal, writeJournal } from '../dist/lib/storage/journal.js';
import { readEventsFile, tempWorkspace } from './helpers.js';

async function board(t) {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  await registerAgent(ws, { id: 'ada' });
  const task = await addTask(ws, { workstream: 'build', title: 'first' });
  await listTasks(ws); // builds the task index, which the roll-forward must not leave stale
  return { dir, ws, task };
}

const taskFile = (id) => `state/tasks/${id}.json`;
const JOURNAL = '.orc/journal/commit.journal';
/** The journal left to roll forward: a commit empties it when done. */
const journals = (dir) =>
  existsSync(join(dir, JOURNAL)) && statSync(join(dir, JOURNAL)).size > 0 ? [JOURNAL] : [];

/**
 * The journal of a claim of `task` by ada (its task file, ada's file, one event), as a commit writes
 * it; `applied` of its writes are applied, as if its process was killed right after them.
 */
function interruptedClaim(ws, dir, task, applied) {
  const now = new Date();
  const claimed = {
    ...JSON.parse(readFileSync(join(dir, taskFile(task.id)), 'utf8')),
    status: 'claimed',
    claim: {
      agent: 'ada',
      token: 'tok-interrupted',
      claimedAt: now.toISOString(),
      expiresAt: '2999-01-01T00:00:00.000Z',
    },
    attempts: 1,
  };
  const agent = {
    ...JSON.parse(readFileSync(join(dir, 'state/agents/ada.json'), 'utf8')),
    lastSeen: now.toISOString(),
  };
  const writes = [
    { path: taskFile(task.id), text: formatJson(claimed) },
    { path: 'state/agents/ada.json', text: formatJson(agent) },
  ];
  const event = makeEvent('ada', 'task.claimed', task.id, { agent: 'ada' }, now);
  const journal = newJournal('ada', now, writes, [event]);
  writeJournal(ws, journal);
  applyWrites(ws, writes.slice(0, applied), 'test');
  return { journal, event, claimed };
}

test('the next locked operation rolls a left-over journal forward: files, missing events, a record', async (t) => {
  const { dir, ws, task } = await board(t);
  const { journal, event, claimed } = interruptedClaim(ws, dir, task, 1);
  assert.equal(journals(dir).length, 1);
  await logEvent(ws, { type: 'test.after' });
  assert.deepEqual(journals(dir), [], 'the journal is gone once applied');
  assert.equal(readFileSync(join(dir, taskFile(task.id)), 'utf8'), formatJson(claimed));
  assert.match(readFileSync(join(dir, 'state/agents/ada.json'), 'utf8'), new RegExp(journal.ts));
  const events = readEventsFile(dir);
  const types = events.slice(-3).map((e) => e.type);
  assert.deepEqual(
    types,
    ['task.claimed', 'storage.recovered', 'test.after'],
    'recovered before the new event',
  );
  assert.equal(events.filter((e) => e.id === event.id).length, 1);
  const recovered = events.find((e) => e.type === 'storage.recovered');
  assert.equal(recovered.subject, journal.id);
  assert.deepEqual(recovered.data, { actor: 'ada', at: journal.ts, files: 2, appended: 1 });
  const [listed] = await listTasks(ws);
  assert.equal(listed.status, 'claimed', 'the task index shows the rolled-forward write');
  assert.equal(listed.claim.token, 'tok-interrupted');
});

test('events the log already ends with are not appended again, nor is the recovery recorded twice', async (t) => {
  const { dir, ws, task } = await board(t);
  const { journal, event } = interruptedClaim(ws, dir, task, 2);
  // Killed after its append: every event is in the log, only the journal is left.
  writeFileSync(
    join(dir, 'events.jsonl'),
    `${readFileSync(join(dir, 'events.jsonl'), 'utf8')}${JSON.stringify(event)}\n`,
  );
  const before = readEventsFile(dir).length;
  await logEvent(ws, { type: 'test.after' });
  const events = readEventsFile(dir);
  assert.equal(events.length, before + 2, 'only storage.recovered and the new event');
  assert.equal(events.filter((e) => e.id === event.id).length, 1);
  assert.equal(events.at(-2).data.appended, 0);
  // A recovery killed after its own append leaves the journal once more: still one record of it.
  writeJournal(ws, journal);
  await logEvent(ws, { type: 'test.again' });
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'storage.recovered').length, 1);
});

test('a torn journal means nothing was applied: it is discarded, nothing is written', async (t) => {
  const { dir, ws, task } = await board(t);
  const before = readFileSync(join(dir, taskFile(task.id)), 'utf8');
  const { journal } = interruptedClaim(ws, dir, task, 0);
  const path = join(dir, JOURNAL);
  writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200)); // cut short, as a kill or power loss can
  const eventsBefore = readEventsFile(dir).length;
  await logEvent(ws, { type: 'test.after' });
  assert.deepEqual(journals(dir), []);
  assert.equal(readFileSync(join(dir, taskFile(task.id)), 'utf8'), before);
  assert.equal(readEventsFile(dir).length, eventsBefore + 1, 'no event of the torn commit');
  assert.ok(!readEventsFile(dir).some((e) => e.subject === journal.id));
});

test('doctor reports a left-over journal without touching it; --fix rolls it forward', async (t) => {
  const { dir, ws, task } = await board(t);
  const { event } = interruptedClaim(ws, dir, task, 1);
  const report = await runDoctor(ws);
  assert.deepEqual(
    report.problems.map((p) => [p.code, p.fixed]),
    [['INCOMPLETE_COMMIT', false]],
  );
  assert.match(report.problems[0].message, /a commit by ada at .* was interrupted/);
  assert.equal(journals(dir).length, 1, 'doctor without --fix changes nothing');
  assert.ok(!readEventsFile(dir).some((e) => e.id === event.id));
  const fixed = await runDoctor(ws, { fix: true });
  assert.equal(fixed.remaining, 0);
  assert.match(fixed.problems[0].action, /rolled it forward: rewrote 2 file\(s\), appended 1 missing event/);
  assert.deepEqual(journals(dir), []);
  assert.ok(readEventsFile(dir).some((e) => e.id === event.id));
  assert.deepEqual((await runDoctor(ws)).problems, []);
});

test('a journal that can no longer be applied blocks with CORRUPT; doctor --fix moves it aside', async (t) => {
  const { dir, ws, task } = await board(t);
  interruptedClaim(ws, dir, task, 0);
  // A merged branch turned the agents folder into a link: orc writes nothing through one.
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  renameSync(join(dir, 'state/agents'), join(elsewhere, 'agents'));
  symlinkSync(join(elsewhere, 'agents'), join(dir, 'state/agents'));
  await assert.rejects(
    logEvent(ws, { type: 'test.after' }),
    (error) =>
      error.code === 'CORRUPT' &&
      /interrupted by a killed process .* cannot be completed/.test(error.message),
  );
  const fixed = await runDoctor(ws, { fix: true });
  const problem = fixed.problems.find((p) => p.code === 'INCOMPLETE_COMMIT');
  assert.match(problem.action, /cannot be completed .*: moved the journal to quarantine\//);
  assert.deepEqual(journals(dir), []);
});

test('a journal of an unknown format is neither applied nor dropped: CORRUPT, and doctor says so', async (t) => {
  const { dir, ws, task } = await board(t);
  const before = readFileSync(join(dir, taskFile(task.id)), 'utf8');
  const body = JSON.stringify({
    v: 2,
    id: 'c-000000000000',
    writes: [{ path: taskFile(task.id), text: '{}' }],
  });
  const { createHash } = await import('node:crypto');
  mkdirSync(join(dir, '.orc/journal'), { recursive: true });
  writeFileSync(join(dir, JOURNAL), `${body}\n${createHash('sha256').update(body).digest('hex')}\n`);
  await assert.rejects(
    logEvent(ws, { type: 'test.after' }),
    (error) =>
      error.code === 'CORRUPT' && /journal format "2", which this orc does not know/.test(error.message),
  );
  const report = await runDoctor(ws, { fix: true });
  assert.deepEqual(
    report.problems.map((p) => [p.code, p.fixed]),
    [['INCOMPLETE_COMMIT', false]],
  );
  assert.equal(readFileSync(join(dir, taskFile(task.id)), 'utf8'), before);
  assert.deepEqual(journals(dir), [JOURNAL], 'kept');
});

test('a claim through the library leaves no journal behind', async (t) => {
  const { dir, ws, task } = await board(t);
  await claimTask(ws, task.id, 'ada');
  assert.deepEqual(journals(dir), []);
  assert.equal(readEventsFile(dir).at(-1).type, 'task.claimed');
});
