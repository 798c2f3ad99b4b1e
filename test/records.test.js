// Record schemas and the table of record kinds, in process; the one reader of record folders against
// hostile folders, in process and through the binary.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeFileVersions } from '../dist/lib/git/index.js';
import {
  validateAgent,
  validateCycle,
  validateLock,
  validatePolicy,
  validateRun,
  validateStepFile,
  validateTask,
  validateWorkstream,
} from '../dist/lib/records/index.js';
import { resourceFileName } from '../dist/lib/shared/index.js';
import {
  RECORD_KINDS,
  RECORD_KIND_LIST,
  listRecords,
  readRecord,
  recordKindOfPath,
  validateRecordFile,
  workspaceAt,
} from '../dist/lib/storage/index.js';
import { orc, orcJson, tempWorkspace } from './helpers.js';

const AT = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T01:00:00.000Z';

const task = (extra = {}) => ({
  v: 1,
  id: 't-000000000001',
  workstream: 'build',
  title: 'a task',
  description: '',
  priority: 3,
  status: 'open',
  tags: [],
  deps: [],
  claim: null,
  attempts: 0,
  result: null,
  reason: null,
  createdBy: 'me',
  createdAt: AT,
  updatedAt: AT,
  ...extra,
});
const claim = { agent: 'a1', token: 'tok', claimedAt: AT, expiresAt: LATER };

const SAMPLES = {
  task: task(),
  workstream: {
    v: 1,
    name: 'build',
    description: '',
    priority: 3,
    status: 'active',
    createdAt: AT,
    updatedAt: AT,
  },
  agent: { v: 1, id: 'a1', role: 'worker', capabilities: ['ts'], registeredAt: AT, lastSeen: AT },
  lock: { v: 1, resource: 'db', owner: 'a1', count: 1, acquiredAt: AT, expiresAt: LATER },
  run: {
    v: 1,
    id: 'r-000000000001',
    task: 'ship it',
    status: 'running',
    plan: { source: 'offline', flow: null },
    payload: { env: 'prod' },
    concurrency: 2,
    steps: [
      {
        id: 'build',
        agent: 'dev',
        kind: 'command',
        task: 'build it',
        deps: [],
        gate: { mode: 'after', source: 'policy', criteria: 'why', rule: 'p-000000000001' },
        status: 'done',
        attempts: 1,
        output: 'ok',
        outputFile: null,
        error: null,
        decision: { decision: 'approved', by: 'me', at: AT, note: null },
        boardTask: 't-000000000002',
        startedAt: AT,
        endedAt: LATER,
      },
    ],
    createdBy: 'me',
    createdAt: AT,
    updatedAt: AT,
    endedAt: null,
  },
  runStep: {
    v: 2,
    id: 's1',
    status: 'done',
    attempts: 1,
    output: 'ok',
    outputFile: null,
    error: null,
    decision: null,
    startedAt: AT,
    endedAt: LATER,
    updatedAt: LATER,
  },
  cycle: {
    v: 1,
    id: 'c-000000000001',
    startedAt: AT,
    startedBy: 'me',
    assignments: [{ task: 't-000000000001', agent: null }],
  },
  policy: {
    v: 1,
    id: 'p-000000000001',
    match: { keywords: ['deploy'], regex: 'prod' },
    effect: 'gate',
    gate: 'after',
    reason: 'careful',
    source: 'manual',
    createdBy: 'me',
    createdAt: AT,
  },
};
const VALIDATORS = {
  task: validateTask,
  workstream: validateWorkstream,
  agent: validateAgent,
  lock: validateLock,
  run: validateRun,
  runStep: validateStepFile,
  cycle: validateCycle,
  policy: validatePolicy,
};

/** The CORRUPT error a validator throws, asserted. */
function corrupt(fn) {
  try {
    fn();
  } catch (error) {
    assert.equal(error.code, 'CORRUPT', error.message);
    return error;
  }
  assert.fail('expected a CORRUPT error');
}

test('every kind of record: a valid one passes as it is, unknown fields kept', () => {
  for (const [kind, sample] of Object.entries(SAMPLES)) {
    const value = { ...sample, extra: 'from a newer orc' };
    assert.equal(VALIDATORS[kind](value, `state/${kind}.json`), value, kind);
  }
  assert.deepEqual(Object.keys(RECORD_KINDS).sort(), Object.keys(SAMPLES).sort(), 'one table row per kind');
});

test('a task with several problems: all of them, each named by its field path', () => {
  const bad = task({ priority: 12, status: 'finished', claim: { ...claim, expiresAt: 'soon' }, tags: [1] });
  const error = corrupt(() => validateTask(bad, 'state/tasks/t-x.json'));
  assert.deepEqual(error.details, {
    file: 'state/tasks/t-x.json',
    problems: [
      'priority: must be at most 9, not 12',
      `status: must be one of open, claimed, done, failed, cancelled, not the string "finished"`,
      'tags[0]: must be a string, not 1',
      'claim.expiresAt: must be a timestamp',
    ],
  });
  assert.equal(
    error.message,
    `state/tasks/t-x.json is not a valid task: ${error.details.problems.join('; ')}`,
  );
});

test('record-level problems: not an object, missing fields, a claim that does not fit the status', () => {
  assert.deepEqual(corrupt(() => validateTask([], 'f')).details.problems, ['must be an object, not a list']);
  assert.deepEqual(corrupt(() => validateLock(null, 'f')).details.problems, ['must be an object, not null']);
  const { problems } = corrupt(() => validateAgent({ v: 1, id: 'a1' }, 'f')).details;
  assert.deepEqual(problems, [
    'role: is missing',
    'capabilities: is missing',
    'registeredAt: is missing',
    'lastSeen: is missing',
  ]);
  assert.deepEqual(corrupt(() => validateTask(task({ claim }), 'f')).details.problems, [
    'claim: must be set exactly when the status is claimed',
  ]);
  assert.doesNotThrow(() => validateTask(task({ status: 'claimed', claim }), 'f'));
  assert.deepEqual(corrupt(() => validateTask(task({ v: 2, id: 'T-1' }), 'f')).details.problems, [
    'v: must be 1, not 2',
    'id: must be a task id (t- and 4 to 32 lower-case letters or digits)',
  ]);
});

test('runs, policies and workstreams: nested fields are named down to the list index', () => {
  const run = structuredClone(SAMPLES.run);
  run.steps.push({ ...run.steps[0], id: 'test', status: 'later', gate: { mode: 'sometimes' } });
  const { problems } = corrupt(() => validateRun(run, 'state/runs/r-1.json')).details;
  assert.deepEqual(problems, [
    'steps[1].gate.mode: must be one of before, after, not the string "sometimes"',
    'steps[1].gate.source: is missing',
    'steps[1].gate.criteria: is missing',
    'steps[1].status: must be one of pending, running, waiting_approval, done, failed, rejected, skipped, cancelled, not the string "later"',
  ]);
  const policy = { ...SAMPLES.policy, match: { regex: '([' }, effect: 'allow' };
  assert.deepEqual(corrupt(() => validatePolicy(policy, 'f')).details.problems, [
    'match.regex: must be a valid regular expression',
    'effect: must be one of gate, forbid, not the string "allow"',
  ]);
  const stream = { ...SAMPLES.workstream, name: '../up', priority: 1.5 };
  assert.deepEqual(corrupt(() => validateWorkstream(stream, 'f')).details.problems, [
    'name: must be a name: letters, digits, . _ - (at most 64)',
    'priority: must be a whole number, not 1.5',
  ]);
});

test('the table: each kind has a workspace folder, a file-name rule, and is found by path', () => {
  const ws = workspaceAt('/w');
  for (const kind of RECORD_KIND_LIST) {
    assert.ok(ws[kind.folder].startsWith('/w/state/'), kind.name);
    const record = SAMPLES[kind.name];
    const name = kind.fileNameOf(String(record[kind.keyField]));
    assert.ok(kind.isRecordName(name), `${kind.name}: ${name}`);
    // A run's step files are in a folder of the run: state/runs/<run id>/steps/.
    const folder = kind.within
      ? `${ws[kind.folder]}/r-000000000001/${kind.within.subfolder}`
      : ws[kind.folder];
    const path = `${folder.slice('/w/'.length)}/${name}`;
    assert.equal(recordKindOfPath(path), kind, path);
    assert.equal(recordKindOfPath(`some/repo/${path}`), kind, 'a workspace inside a repository');
    assert.equal(validateRecordFile(kind, record, path), record);
  }
  assert.equal(RECORD_KINDS.lock.fileNameOf('db'), resourceFileName('db'));
  for (const path of [
    'events.jsonl',
    'state/orc.json',
    'state/tasks/notes.json',
    'state/tasks/.t-1.json.tmp-1',
    'state/runs/steps/s1.json',
    'state/runs/notarun/steps/s1.json',
    'state/runs/r-000000000001/s1.json',
  ]) {
    assert.equal(recordKindOfPath(path), undefined, path);
  }
});

test('a record whose id does not match its file name is not valid there', () => {
  const error = corrupt(() =>
    validateRecordFile(RECORD_KINDS.task, task(), 'state/tasks/t-000000000002.json'),
  );
  assert.deepEqual(error.details.problems, [
    'id: "t-000000000001" does not match the file name t-000000000002.json (its file is t-000000000001.json)',
  ]);
});

test('mergeFileVersions: merges valid versions; names the side and the problem of an invalid one', () => {
  const path = 'state/tasks/t-000000000001.json';
  const text = (value) => `${JSON.stringify(value, null, 2)}\n`;
  const base = task();
  const ours = task({ status: 'claimed', claim, updatedAt: LATER });
  const theirs = task({ title: 'renamed', updatedAt: '2026-01-01T00:30:00.000Z' });
  const merged = JSON.parse(
    mergeFileVersions(path, { base: text(base), ours: text(ours), theirs: text(theirs) }),
  );
  assert.deepEqual([merged.status, merged.claim, merged.title], ['claimed', claim, 'renamed']);
  const hostile = [
    [
      '[]\n',
      /^state\/tasks\/t-000000000001\.json \(theirs\) is not a valid task: must be an object, not a list$/,
    ],
    [
      text({ ...theirs, claim: 'yes' }),
      /\(theirs\) is not a valid task: claim: must be an object, not the string "yes"/,
    ],
    [
      text(task({ id: 't-000000000009' })),
      /\(theirs\) is not a valid task: id: "t-000000000009" does not match/,
    ],
    ['{"v": 1,', /\(theirs\) is not valid JSON/],
    ['', /\(theirs\) is empty/],
  ];
  for (const [bad, pattern] of hostile) {
    assert.throws(
      () => mergeFileVersions(path, { base: text(base), ours: text(ours), theirs: bad }),
      (error) => error.code === 'CORRUPT' && pattern.test(error.message),
      bad,
    );
  }
  assert.throws(
    () => mergeFileVersions(path, { base: '[]', ours: text(ours), theirs: text(theirs) }),
    /\(base\) is not a valid task/,
  );
  // Both sides added it: no base.
  assert.doesNotThrow(() => mergeFileVersions(path, { base: '', ours: text(ours), theirs: text(theirs) }));
});

test('listRecords: a missing folder is no records; a folder or record file of the wrong type is named', (t) => {
  const dir = tempWorkspace(t);
  const ws = workspaceAt(dir);
  rmSync(ws.agentsDir, { recursive: true });
  assert.deepEqual(listRecords(ws, 'agent'), []);
  assert.equal(readRecord(ws, 'agent', 'a1'), undefined);
  writeFileSync(ws.agentsDir, 'not a folder\n');
  assert.throws(
    () => listRecords(ws, 'agent'),
    (error) =>
      error.code === 'CORRUPT' && /^state\/agents in the workspace is not a folder/.test(error.message),
  );
  rmSync(ws.agentsDir);
  mkdirSync(join(ws.agentsDir, 'a1.json'), { recursive: true });
  assert.throws(
    () => listRecords(ws, 'agent'),
    (error) =>
      error.code === 'CORRUPT' && /^state\/agents\/a1\.json in the workspace is a folder/.test(error.message),
  );
  rmSync(join(ws.agentsDir, 'a1.json'), { recursive: true });
  writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify(SAMPLES.agent));
  symlinkSync(join(dir, 'elsewhere.json'), join(ws.agentsDir, 'a1.json'));
  assert.throws(
    () => listRecords(ws, 'agent'),
    (error) =>
      error.code === 'INVALID_INPUT' && /state\/agents\/a1\.json .*symbolic link/.test(error.message),
  );
  rmSync(join(ws.agentsDir, 'a1.json'));
  writeFileSync(join(ws.agentsDir, 'b1.json'), JSON.stringify(SAMPLES.agent));
  assert.throws(
    () => listRecords(ws, 'agent'),
    (error) =>
      error.code === 'CORRUPT' &&
      /state\/agents\/b1\.json is not a valid agent: id: "a1" does not match/.test(error.message),
  );
});

test('a record folder replaced by a file: every reader names it (exit 6); doctor moves it aside', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['a', 'register', 'a1']);
  rmSync(join(dir, 'state/agents'), { recursive: true });
  writeFileSync(join(dir, 'state/agents'), 'oops\n');
  for (const args of [
    ['a', 'list'],
    ['a', 'register', 'a2'],
    ['a', 'show', 'a1'],
  ]) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, 6, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^orc: state\/agents in the workspace is not a folder/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
  const check = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(check.code, 9);
  assert.deepEqual(
    check.json().problems.map((p) => `${p.code} ${p.file}`),
    ['WRONG_TYPE state/agents'],
  );
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout);
  const [moved] = fixed.json().quarantine;
  assert.equal(readFileSync(join(dir, moved), 'utf8'), 'oops\n', 'moved, not deleted');
  assert.deepEqual(orcJson(dir, ['a', 'list']), []);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});

test('a policy file with conflict markers: doctor names it, and --fix merges both sides', (t) => {
  const dir = tempWorkspace(t);
  const rule = orcJson(dir, ['policy', 'add', '--agent', 'ops', '--reason', 'careful']);
  const file = join(dir, 'state/policies', `${rule.id}.json`);
  const text = readFileSync(file, 'utf8');
  const side = text.replace('"careful"', '"very careful"');
  writeFileSync(file, `<<<<<<< HEAD\n${text}=======\n${side}>>>>>>> side\n`);
  const list = orc(['--dir', dir, 'policy', 'list']);
  assert.equal(list.code, 6);
  assert.match(list.stderr, /conflict markers.*orc doctor --fix/);
  const check = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(check.code, 9);
  assert.deepEqual(
    check.json().problems.map((p) => `${p.code} ${p.file}`),
    [`CONFLICT_MARKERS state/policies/${rule.id}.json`],
  );
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout);
  assert.equal(orcJson(dir, ['policy', 'list']).length, 1);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});
