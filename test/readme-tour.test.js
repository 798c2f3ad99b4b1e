// The README's five-minute tour, run as written: its ```sh blocks, in order, pasted into bash with an
// `orc` on the PATH that runs this build. A tour that fails when pasted fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orcJson, PATH_WITH_ORC, ROOT, tempDir } from './helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of the README section headed `## <title>`, up to the next `## ` heading. */
function sectionOf(title) {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `the README has a "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

const shellBlocks = (text) => [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** The environment of a person who just installed orc: none of orc's variables set, no agent session. */
function freshEnv(tmp) {
  const env = { ...process.env, PATH: PATH_WITH_ORC, TMPDIR: tmp, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (/^(ORC_|ORCHESTRATOR_)/.test(name) || name === 'CODEX_THREAD_ID' || name === 'CLAUDE_ENV_FILE')
      delete env[name];
  }
  delete env.FORCE_COLOR;
  return env;
}

test('the README keeps the two commands that set up a fresh clone', () => {
  const section = sectionOf('Set up a fresh clone');
  assert.match(section, /^npm install && npm run demo\b/m);
  assert.match(section, /^npm install && npm test\b/m);
});

test('the tour has no shell comments: zsh, by default, passes them to the command as arguments', () => {
  const blocks = shellBlocks(sectionOf('A five-minute tour'));
  for (const line of blocks.join('').split('\n')) assert.doesNotMatch(line, /(^|\s)#/, line);
});

test("the README's tour runs as written, pasted into bash", (t) => {
  const tmp = tempDir(t, 'orc-tour-');
  const blocks = shellBlocks(sectionOf('A five-minute tour'));
  assert.ok(blocks.length >= 5, `the tour has its blocks (found ${blocks.length})`);
  const script = `set -euo pipefail\n${blocks.join('\n')}`;
  const run = spawnSync('bash', ['-c', script], {
    cwd: tmp,
    env: freshEnv(tmp),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `the tour failed:\n${run.stdout}\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /warning/i, 'no warnings');

  // It did what the README says, in the scratch folder it made under TMPDIR.
  const [dir] = readdirSync(tmp)
    .map((name) => join(tmp, name))
    .filter((path) => existsSync(join(path, 'state', 'orc.json')));
  assert.ok(dir, 'the tour made its workspace in a folder of its own');
  assert.match(run.stdout, /\tready\n/, 't list shows the schema task ready');
  assert.match(run.stdout, /\tblocked by 1\n/, 'and the API task blocked by it');
  const tasks = orcJson(dir, ['t', 'list', 'backend']);
  assert.deepEqual(tasks.map((task) => [task.title, task.status, task.result]).sort(), [
    ['Build the orders API', 'done', 'orders API in src/api'],
    ['Design the schema', 'done', 'schema in db/schema.sql'],
  ]);
  const schema = tasks.find((task) => task.title === 'Design the schema');
  const api = tasks.find((task) => task.title === 'Build the orders API');
  assert.deepEqual(api.deps, [schema.id]);
  // `t next` claimed the schema first, then the API task once the schema was done.
  const claimed = [...run.stdout.matchAll(/^claimed (t-[0-9a-z]{12}) /gm)].map((m) => m[1]);
  assert.deepEqual(claimed, [schema.id, api.id]);
  assert.deepEqual(orcJson(dir, ['lock', 'list']), [], 'the lock was released');
  const types = orcJson(dir, ['events']).map((event) => event.type);
  for (const type of ['task.added', 'task.claimed', 'task.completed', 'lock.acquired', 'lock.released'])
    assert.ok(types.includes(type), `the log holds ${type}`);
  const [runRecord] = orcJson(dir, ['run', 'list']);
  assert.equal(runRecord.status, 'complete');
  assert.match(run.stdout, new RegExp(`^run ${runRecord.id} complete`, 'm'), 'run status printed it');
  assert.ok(existsSync(join(dir, 'knowledge', 'runs', `${runRecord.id}.md`)), 'the run left its note');
  assert.match(run.stdout, new RegExp(`runs/${runRecord.id}`), 'kb search found it');
});
