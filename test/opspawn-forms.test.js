// The OpSpawn seed's CLI forms beside orc's own: `t complete <ws> <id> "result"`, `t claim <ws> <id>
// <agent>`, the aliases (`ws ls`, `s`, `t done`, `events --action`), multi-word `kb write`, and who
// finishes a task when the command names no holder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferClaimHolder } from '../dist/lib/integrations/index.js';
import { orc, orcJson, tempWorkspace } from './helpers.js';

// No identity from the test's own environment: each test says who the caller is.
const NOBODY = { ORC_AGENT: '', CODEX_THREAD_ID: '' };

function board(t) {
  const dir = tempWorkspace(t);
  const cli = (args, env = {}) => orc(['--dir', dir, ...args], { env: { ...NOBODY, ...env } });
  const json = (args, env = {}) => orcJson(dir, args, { env: { ...NOBODY, ...env } });
  json(['ws', 'create', 'revenue', 'Revenue generation', '1']);
  json(['ws', 'create', 'product', 'Product development', '2']);
  const pay = json(['t', 'add', 'revenue', 'Add payments to API', 'Integrate USDC', '1']);
  const tests = json(['t', 'add', 'product', 'Write tests', 'Unit and integration', '3']);
  return { dir, cli, json, pay, tests };
}

test('inferClaimHolder: the identity when known, else the holder when it is the only agent', () => {
  assert.equal(inferClaimHolder({ identity: 'me', holder: 'a1', agents: ['a1'] }), 'me');
  assert.equal(inferClaimHolder({ identity: null, holder: 'a1', agents: ['a1'] }), 'a1');
  assert.equal(inferClaimHolder({ identity: null, holder: 'a1', agents: ['a1', 'a2'] }), undefined);
  assert.equal(inferClaimHolder({ identity: null, holder: 'gone', agents: ['a1'] }), undefined);
  assert.equal(inferClaimHolder({ identity: null, agents: ['a1'] }), undefined);
});

test('t complete <ws> <id> "result" and t claim <ws> <id> <agent>, beside t complete <id> [result]', (t) => {
  const { cli, json, pay, tests } = board(t);
  json(['a', 'register', 'agent-1', 'worker']);
  const claimed = json(['t', 'claim', 'product', tests.id, 'agent-1']);
  assert.equal(claimed.claim.agent, 'agent-1');
  json(['t', 'claim', 'revenue', pay.id.slice(0, 6), 'agent-1']);
  const done = json(['t', 'complete', 'revenue', pay.id, 'Done: integrated payments']);
  assert.deepEqual([done.status, done.result], ['done', 'Done: integrated payments']);
  // orc's own form, a prefix and a one-word result, with its flags.
  const own = json(['t', 'complete', tests.id.slice(2, 8), 'shipped', '--agent', 'agent-1']);
  assert.deepEqual([own.id, own.result], [tests.id, 'shipped']);

  // A workstream given must be the task's; the error names it and changes nothing.
  const other = json(['t', 'add', 'product', 'Docs']);
  const wrong = cli(['--json', 't', 'complete', 'revenue', other.id, 'x']);
  assert.equal(wrong.code, 2, wrong.stderr);
  const error = JSON.parse(wrong.stderr).error;
  assert.equal(error.code, 'INVALID_INPUT');
  assert.match(error.message, /is in workstream "product", not "revenue"/);
  assert.equal(json(['t', 'show', other.id]).status, 'open');
  assert.equal(cli(['t', 'claim', 'revenue', other.id, 'agent-1']).code, 2);
  // Neither a task nor a workstream: the task's error, as before.
  const typo = cli(['--json', 't', 'complete', 'nosuch', 'x']);
  assert.equal(typo.code, 3, typo.stderr);
  assert.match(JSON.parse(typo.stderr).error.message, /task "nosuch" not found/);
});

test('t complete <ws> <id> without a result, and the seed form of t fail and t release', (t) => {
  const { cli, json, pay, tests } = board(t);
  json(['a', 'register', 'agent-1']);
  json(['t', 'claim', pay.id, 'agent-1']);
  const done = json(['t', 'done', 'revenue', pay.id]);
  assert.deepEqual([done.status, done.result], ['done', null]);
  json(['t', 'claim', 'product', tests.id, 'agent-1']);
  assert.equal(json(['t', 'release', 'product', tests.id]).status, 'open');
  json(['t', 'claim', tests.id, 'agent-1']);
  const failed = json(['t', 'fail', 'product', tests.id, 'flaky runner']);
  assert.deepEqual([failed.status, failed.reason], ['failed', 'flaky runner']);
  assert.equal(cli(['t', 'fail', 'revenue', tests.id, 'x']).code, 2);
});

test('a workstream named like a task prefix: two arguments are the seed form when the second is a task', (t) => {
  const { json, pay } = board(t);
  const letter = pay.id.slice(2, 3);
  json(['ws', 'create', letter]);
  const mine = json(['t', 'add', letter, 'in the one-letter workstream']);
  // `<letter>` may also be a prefix of task ids; the second argument, a task, decides.
  const done = json(['t', 'complete', letter, mine.id]);
  assert.deepEqual([done.id, done.result], [mine.id, null]);
});

test('no flag needed when the holder is the only registered agent; $ORC_AGENT names the caller', (t) => {
  const { cli, json, pay, tests } = board(t);
  json(['a', 'register', 'agent-1', 'worker']);
  json(['t', 'next', 'revenue', 'agent-1']);
  const done = json(['t', 'complete', pay.id, 'ok']);
  assert.equal(done.status, 'done');

  // Two agents: the caller could be either, so the board asks who it is.
  json(['a', 'register', 'agent-2']);
  json(['t', 'claim', tests.id, 'agent-1']);
  const ask = cli(['--json', 't', 'complete', tests.id, 'ok']);
  assert.equal(ask.code, 2, ask.stderr);
  assert.match(JSON.parse(ask.stderr).error.message, /claimed by agent-1: say who you are/);
  // $ORC_AGENT says who: another agent is refused (the claim is not theirs), the holder succeeds.
  const notMine = cli(['t', 'complete', tests.id, 'ok'], { ORC_AGENT: 'agent-2' });
  assert.equal(notMine.code, 8, notMine.stderr);
  assert.equal(json(['t', 'complete', tests.id, 'ok'], { ORC_AGENT: 'agent-1' }).status, 'done');
});

test('aliases: s, ws ls, t done, events --action; kb write joins several words', (t) => {
  const { cli, json, pay } = board(t);
  assert.deepEqual(json(['s']).workstreams, json(['status']).workstreams);
  assert.deepEqual(json(['ws', 'ls']), json(['ws', 'list']));
  json(['a', 'register', 'agent-1']);
  json(['t', 'next', 'agent-1']);
  json(['t', 'done', pay.id, 'paid']);
  const byAction = json(['events', '--action', 'task.completed']);
  assert.deepEqual(
    byAction.map((e) => [e.type, e.subject]),
    [['task.completed', pay.id]],
  );
  assert.deepEqual(json(['events', '--type', 'task.completed']), byAction);
  assert.equal(cli(['events', '--type', 'task.added', '--action', 'task.completed']).code, 2);

  json(['kb', 'write', 'api-design', 'Use REST for external, events for internal']);
  json(['kb', 'write', 'notes', 'Use', 'REST', 'for', 'external']);
  assert.match(
    json(['kb', 'read', 'api-design']).content,
    /\nUse REST for external, events for internal\n?$/,
  );
  assert.match(json(['kb', 'read', 'notes']).content, /\nUse REST for external\n?$/);
});
