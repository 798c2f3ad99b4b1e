// The OpSpawn orchestrator's Node API (`orc/opspawn`): the seed's snippet runs unchanged, synchronously,
// in a workspace folder, and leaves its results in the workspace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, orcJson, tempWorkspace } from './helpers.js';

// The seed README's "API (Node.js)" snippet, verbatim but for the package's name in the require.
const SNIPPET = `const orc = require('orc-agents/opspawn');

// Workstreams
orc.createWorkstream('build', { description: 'Build things', priority: 1 });
orc.listWorkstreams();

// Tasks
const task = orc.addTask('build', { title: 'Ship v1', priority: 1 });
orc.claimTask('build', task.id, 'agent-1');
orc.completeTask('build', task.id, 'Shipped!');

// Coordination
orc.acquireLock('git', 'agent-1', 60000);
orc.releaseLock('git', 'agent-1');

// Knowledge
orc.writeKnowledge('findings', '# Research Results\\n...');
orc.readKnowledge('findings');

// Events
orc.logEvent('agent-1', 'deployed', { service: 'api', version: '2.0' });
orc.getEvents({ agent: 'agent-1', last: 10 });

// Status
console.log(orc.statusText());
`;

/** A workspace where `require('orc-agents')` resolves to this repository, as after `npm install orc`. */
function workspaceWithPackage(t) {
  const dir = tempWorkspace(t);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'orc-agents'), 'dir');
  return dir;
}

/** Runs a CommonJS script with the workspace as its current folder. */
function runScript(dir, name, source) {
  writeFileSync(join(dir, name), source);
  const env = { ...process.env, ORC_ACTOR: 'tester' };
  delete env.ORCHESTRATOR_DIR;
  const run = spawnSync(process.execPath, [name], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("the seed's Node API snippet runs unchanged in a workspace folder and leaves its results there", (t) => {
  const dir = workspaceWithPackage(t);
  const run = runScript(dir, 'snippet.cjs', SNIPPET);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\[P1\] build: 0 pending, 0 active, 1 done/);
  assert.match(run.stdout, /agent-1 \(worker\)/);
  assert.match(run.stdout, /agent-1: deployed/);

  const [done] = orcJson(dir, ['t', 'list', '--status', 'done']);
  assert.equal(done.title, 'Ship v1');
  assert.equal(done.result, 'Shipped!');
  assert.equal(done.priority, 1);
  assert.deepEqual(orcJson(dir, ['lock', 'list']), []);
  assert.match(orcJson(dir, ['kb', 'read', 'findings']).body, /^# Research Results\n\.\.\./);
  const deployed = orcJson(dir, ['events', '--type', 'deployed']);
  assert.equal(deployed.length, 1);
  assert.equal(deployed[0].actor, 'agent-1');
  assert.deepEqual(deployed[0].data, { service: 'api', version: '2.0' });
});

test('each call of the snippet returns what the seed returns, synchronously', (t) => {
  const dir = workspaceWithPackage(t);
  const run = runScript(
    dir,
    'returns.cjs',
    `const orc = require('orc-agents/opspawn');
const out = {};
out.createWorkstream = orc.createWorkstream('build', { description: 'Build things', priority: 1 });
out.listWorkstreams = orc.listWorkstreams();
const task = orc.addTask('build', { title: 'Ship v1', priority: 1 });
out.addTask = task;
out.claimTask = orc.claimTask('build', task.id, 'agent-1');
out.completeTask = orc.completeTask('build', task.id, 'Shipped!');
out.acquireLock = orc.acquireLock('git', 'agent-1', 60000);
out.acquireLockOther = orc.acquireLock('git', 'agent-2', 60000);
out.releaseLockOther = orc.releaseLock('git', 'agent-2');
out.releaseLock = orc.releaseLock('git', 'agent-1');
out.releaseLockAgain = orc.releaseLock('git', 'agent-1');
out.writeKnowledge = orc.writeKnowledge('findings', '# Research Results\\n...');
out.readKnowledge = orc.readKnowledge('findings');
out.readMissing = orc.readKnowledge('nothing-here');
out.logEvent = orc.logEvent('agent-1', 'deployed', { service: 'api', version: '2.0' });
out.getEvents = orc.getEvents({ agent: 'agent-1', last: 10 });
out.statusText = orc.statusText();
out.isPromise = [out.addTask, out.acquireLock, out.readKnowledge].some((v) => v instanceof Promise);
console.log(JSON.stringify(out));
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.isPromise, false);
  assert.equal(out.createWorkstream.name, 'build');
  assert.equal(out.createWorkstream.description, 'Build things');
  assert.deepEqual(
    out.listWorkstreams.map((w) => [w.name, w.priority]),
    [['build', 1]],
  );
  assert.match(out.addTask.id, /^t-/);
  assert.equal(out.addTask.status, 'open');
  assert.equal(out.claimTask.status, 'claimed');
  assert.equal(out.claimTask.claim.agent, 'agent-1');
  assert.equal(out.completeTask.status, 'done');
  assert.equal(out.completeTask.result, 'Shipped!');
  assert.equal(out.acquireLock, true);
  assert.equal(out.acquireLockOther, false, 'someone else holds it');
  assert.equal(out.releaseLockOther, false, 'only its owner releases it');
  assert.equal(out.releaseLock, true);
  assert.equal(out.releaseLockAgain, false, 'no longer held');
  assert.equal(out.writeKnowledge.name, 'findings');
  assert.equal(out.readKnowledge, '# Research Results\n...');
  assert.equal(out.readMissing, null);
  assert.equal(out.logEvent.type, 'deployed');
  assert.equal(out.logEvent.actor, 'agent-1');
  assert.ok(out.getEvents.length >= 4 && out.getEvents.every((e) => e.actor === 'agent-1'));
  assert.equal(out.getEvents.at(-1).type, 'deployed');
  assert.equal(typeof out.statusText, 'string');
  // The lock's ttl went through as milliseconds.
  const acquired = orcJson(dir, ['events', '--type', 'lock.acquired']);
  assert.equal(acquired.length, 1);
});

test('errors come back as OrcError with their code; open(dir) binds any folder; import works too', (t) => {
  const dir = workspaceWithPackage(t);
  const other = tempWorkspace(t);
  const run = runScript(
    dir,
    'errors.cjs',
    `const orc = require('orc-agents/opspawn');
const { OrcError } = require('orc-agents');
const caught = (fn) => { try { fn(); return null; } catch (e) { return { orc: e instanceof OrcError, code: e.code, message: e.message, field: e.details && e.details.field }; } };
const out = {};
out.noWorkstream = caught(() => orc.addTask('nope', { title: 'x' }));
out.badName = caught(() => orc.createWorkstream('../evil', {}));
out.badPriority = caught(() => orc.createWorkstream('ok', { priority: 42 }));
orc.createWorkstream('build', {});
orc.createWorkstream('docs', {});
const task = orc.addTask('build', { title: 'Ship v1' });
out.wrongWorkstream = caught(() => orc.claimTask('docs', task.id, 'agent-1'));
orc.claimTask('build', task.id, 'agent-1');
out.twice = caught(() => orc.claimTask('build', task.id, 'agent-2'));
const other = orc.open(${JSON.stringify(other)});
other.createWorkstream('elsewhere', { priority: 2 });
out.otherNames = other.listWorkstreams().map((w) => w.name);
out.hereNames = orc.listWorkstreams().map((w) => w.name);
out.defaultIsBound = typeof require('orc-agents/opspawn').default.statusText;
console.log(JSON.stringify(out));
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.deepEqual(
    [out.noWorkstream.orc, out.noWorkstream.code],
    [true, 'NOT_FOUND'],
    JSON.stringify(out.noWorkstream),
  );
  assert.equal(out.badName.code, 'INVALID_INPUT');
  assert.equal(out.badPriority.code, 'INVALID_INPUT');
  assert.equal(out.wrongWorkstream.code, 'NOT_FOUND');
  assert.match(out.wrongWorkstream.message, /in workstream build, not docs/);
  assert.equal(out.twice.code, 'CONFLICT');
  assert.deepEqual(out.otherNames, ['elsewhere']);
  assert.deepEqual(out.hereNames.sort(), ['build', 'docs']);
  assert.equal(out.defaultIsBound, 'function');
  assert.deepEqual(
    orcJson(other, ['ws', 'list']).map((w) => w.name),
    ['elsewhere'],
  );

  const esm = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import orc, { open } from 'orc-agents/opspawn'; console.log(orc.listWorkstreams().length, typeof open)",
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(esm.stdout.trim(), '2 function', esm.stderr);
});

test('outside any workspace the bound API says so with NO_WORKSPACE', (t) => {
  const dir = workspaceWithPackage(t);
  const run = runScript(
    dir,
    'nowhere.cjs',
    `const orc = require('orc-agents/opspawn');
process.chdir('/');
try { orc.listWorkstreams(); } catch (e) { console.log(e.code); }
`,
  );
  assert.equal(run.stdout.trim(), 'NO_WORKSPACE', run.stderr);
});
