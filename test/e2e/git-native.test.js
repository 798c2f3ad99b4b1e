// Git-native in every clone: random disjoint work on two branches (adds, claims, completions, events,
// knowledge, agents) merged three ways: with orc's driver, with plain `git merge` in a clone where orc
// never ran, and with `git merge-tree --write-tree` (what a forge's merge button runs). None may
// conflict, lose or duplicate a task or an event.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  claimTask,
  completeTask,
  findWorkspace,
  listTasks,
  logEvent,
  registerAgent,
  writeKnowledge,
} from '../../dist/lib/index.js';
import { commitAll, git, merge, repoWorkspace, seededRandom as random } from '../git-helpers.js';
import { BIN, ORC_ON_PATH, orc, tempDir } from '../helpers.js';

/** Work that touches only what this side made: its own tasks, agents, documents and events. */
async function disjointWork(ws, rand, side, round) {
  const mine = [];
  const count = 2 + Math.floor(rand() * 4);
  const agent = `${side}-${round}`;
  await registerAgent(ws, { id: agent });
  for (let i = 0; i < count; i++) {
    const op = Math.floor(rand() * 4);
    if (op === 0 || mine.length === 0)
      mine.push((await addTask(ws, { workstream: 'build', title: `${side}${round}.${i}` })).id);
    else if (op === 1) await claimTask(ws, mine.at(-1), agent).catch(() => {});
    else if (op === 2) await completeTask(ws, mine.at(-1), `${side} did it`, { force: true }).catch(() => {});
    else await logEvent(ws, { type: 'fuzz.note', subject: `${side}${round}.${i}` });
  }
  await writeKnowledge(ws, `notes/${side}-${round}`, `# ${side} ${round}\n\nwhat ${side} learned`);
}

/** Task ids and event ids of a tree (a commit or a tree id), read with git alone. */
function contentOf(dir, treeish) {
  const files = git(dir, 'ls-tree', '-r', '--name-only', treeish).split('\n');
  const tasks = files.filter((f) => /^state\/tasks\/t-[0-9a-z]+\.json$/.test(f));
  const log = git(dir, 'show', `${treeish}:events.jsonl`);
  const events = log
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).id);
  const knowledge = files.filter((f) => f.startsWith('knowledge/notes/'));
  return { tasks: tasks.sort(), events, knowledge: knowledge.sort() };
}

const union = (a, b) => [...new Set([...a, ...b])].sort();

test('disjoint work merges with no conflict and nothing lost or doubled: with the driver, with plain git, with merge-tree', {
  timeout: 240_000,
}, async (t) => {
  const dir = repoWorkspace(t);
  const ws = findWorkspace({ dir });
  const rand = random(20261202);
  const ROUNDS = 8;
  for (let round = 0; round < ROUNDS; round++) {
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'checkout', '-q', '-b', `a${round}`);
    await disjointWork(ws, rand, 'A', round);
    commitAll(dir, `a${round}`);
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'checkout', '-q', '-b', `b${round}`);
    await disjointWork(ws, rand, 'B', round);
    commitAll(dir, `b${round}`);
    const a = contentOf(dir, `a${round}`);
    const b = contentOf(dir, `b${round}`);
    const expected = {
      tasks: union(a.tasks, b.tasks),
      events: union(a.events, b.events),
      knowledge: union(a.knowledge, b.knowledge),
    };

    // 1. With orc's driver (this clone has it): the log in time order.
    git(dir, 'checkout', '-q', '-b', `d${round}`, `a${round}`);
    assert.equal(merge(dir, `b${round}`), 0, `round ${round}: the driver's merge conflicted`);
    const driven = contentOf(dir, 'HEAD');
    assert.deepEqual({ ...driven, events: [...driven.events].sort() }, expected, `round ${round}, driver`);
    assert.equal(driven.events.length, new Set(driven.events).size);

    // 2. Plain git in a clone where orc never ran: no driver, the log merged by union.
    const clone = join(tempDir(t, 'orc-clone-'), 'c');
    execFileSync('git', ['clone', '-q', dir, clone]);
    assert.throws(() => git(clone, 'config', '--get-regexp', '^merge\\.'), 'git clones no merge driver');
    git(clone, 'checkout', '-q', '-b', 'mine', `origin/a${round}`);
    assert.equal(merge(clone, `origin/b${round}`), 0, `round ${round}: plain git conflicted`);
    const plain = contentOf(clone, 'HEAD');
    assert.deepEqual({ ...plain, events: [...plain.events].sort() }, expected, `round ${round}, plain git`);
    assert.equal(plain.events.length, new Set(plain.events).size);

    // 3. merge-tree, as a server merges: in that clone too, with nothing of orc's.
    const tree = git(clone, 'merge-tree', '--write-tree', `origin/a${round}`, `origin/b${round}`);
    const merged = contentOf(clone, tree.split('\n')[0]);
    assert.deepEqual(
      { ...merged, events: [...merged.events].sort() },
      expected,
      `round ${round}, merge-tree`,
    );

    git(dir, 'checkout', '-q', 'main');
    assert.equal(merge(dir, `d${round}`), 0);
  }
  assert.ok((await listTasks(ws)).length > ROUNDS, 'the work is all on main');
});

test('a clone gets the driver from its first orc command, and moving orc afterwards breaks no merge', (t) => {
  const dir = repoWorkspace(t);
  const clone = join(tempDir(t, 'orc-clone-'), 'c');
  execFileSync('git', ['clone', '-q', dir, clone]);
  assert.equal(existsSync(join(clone, '.git', 'info', 'attributes')), false);
  const listed = orc(['--dir', clone, 't', 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  const driver = git(clone, 'config', 'merge.orc.driver');
  assert.doesNotMatch(
    driver,
    new RegExp(BIN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    'no path to where orc was',
  );
  assert.match(driver, /command -v orc/);
  assert.match(
    readFileSync(join(clone, '.git', 'info', 'attributes'), 'utf8'),
    /^\/events\.jsonl merge=orc$/m,
  );
  // A second command spawns no git: the driver is there (the config is not touched again).
  const before = readFileSync(join(clone, '.git', 'config'), 'utf8');
  assert.equal(orc(['--dir', clone, 'status']).code, 0);
  assert.equal(readFileSync(join(clone, '.git', 'config'), 'utf8'), before);

  // The same task changed on both sides merges by the driver, which git finds on the PATH.
  const task = JSON.parse(orc(['--dir', clone, '--json', 't', 'add', 'build', 'shared']).stdout);
  commitAll(clone, 'task');
  git(clone, 'checkout', '-q', '-b', 'side');
  orc(['--dir', clone, 't', 'update', task.id, '--description', 'side text']);
  commitAll(clone, 'side');
  git(clone, 'checkout', '-q', '-');
  orc(['--dir', clone, 't', 'update', task.id, '--priority', '0']);
  commitAll(clone, 'main');
  assert.equal(merge(clone, 'side'), 0, 'the driver merged it');
  const merged = JSON.parse(readFileSync(join(clone, 'state', 'tasks', `${task.id}.json`), 'utf8'));
  assert.deepEqual([merged.description, merged.priority], ['side text', 0]);

  // Without orc anywhere git can find it, the driver fails and git leaves the conflict, saying why.
  git(clone, 'checkout', '-q', '-b', 'other', 'HEAD~1');
  orc(['--dir', clone, 't', 'update', task.id, '--title', 'renamed']);
  commitAll(clone, 'other');
  let failed;
  try {
    execFileSync('git', ['merge', '--no-edit', '-q', 'side'], {
      cwd: clone,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: (process.env.PATH ?? '').replace(`${ORC_ON_PATH}:`, '') },
    });
  } catch (error) {
    failed = error;
  }
  assert.ok(failed, 'git reports the conflict');
  assert.match(
    `${failed.stdout}${failed.stderr}`,
    /orc merge driver: orc is neither on the PATH nor in node_modules/,
  );
});
