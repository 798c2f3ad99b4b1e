// Shell completion: `orc completion bash|zsh|fish` scripts generated from the command tree, and the
// hidden `orc __complete <kind>` they call for workstream names, agent ids and task ids.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, orc, orcJson, tempDir, tempWorkspace } from './helpers.js';

const has = (shell) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/** Skips where the shell is missing, naming the apt package; under CI (which installs it) fails instead. */
function needsShell(t, shell) {
  if (has(shell)) return true;
  assert.ok(!process.env.CI, `${shell} is missing: .ci/run installs it (apt-get install ${shell})`);
  t.skip(`${shell} is not installed (apt-get install ${shell})`);
  return false;
}

function boardWithRecords(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'api']);
  orcJson(dir, ['ws', 'create', 'web']);
  orcJson(dir, ['a', 'register', 'bob']);
  const task = orcJson(dir, ['t', 'add', 'api', 'Ship it']);
  return { dir, taskId: task.id };
}

test('orc __complete lists workstream names, agent ids and task ids from the workspace', (t) => {
  const { dir, taskId } = boardWithRecords(t);
  const list = (...args) => orc(['__complete', '--dir', dir, ...args]);
  assert.deepEqual(list('workstreams').stdout.split('\n').filter(Boolean), ['api', 'web']);
  assert.deepEqual(list('agents').stdout.trim(), 'bob');
  assert.deepEqual(list('tasks').stdout.trim(), taskId);
  assert.deepEqual(list('workstreams', 'agents').stdout.split('\n').filter(Boolean), ['api', 'web', 'bob']);
  assert.equal(orc(['__complete', 'workstreams'], { cwd: dir }).stdout.trim(), 'api\nweb');
});

test('orc __complete prints nothing and exits 0 outside a workspace or for an unknown kind', (t) => {
  const outside = tempDir(t);
  const result = orc(['__complete', 'workstreams'], { cwd: outside });
  assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  assert.deepEqual([orc(['__complete', 'nothing'], { cwd: outside }).code], [0]);
});

test('orc completion prints a script per shell; an unknown shell exits 2', () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = orc(['completion', shell]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /__complete/);
    assert.match(result.stdout, /\bnext\b/, `${shell}: t's subcommands are in it`);
  }
  assert.match(orc(['completion', 'zsh']).stdout, /bashcompinit/);
  assert.equal(orc(['completion', 'pwsh']).code, 2);
});

for (const shell of ['bash', 'zsh', 'fish']) {
  test(`${shell} accepts the syntax of orc's ${shell} script`, (t) => {
    if (!needsShell(t, shell)) return;
    const dir = tempDir(t);
    const file = join(dir, `orc.${shell}`);
    writeFileSync(file, orc(['completion', shell]).stdout);
    const result = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
}

/** A folder with an `orc` on PATH that runs the built binary, as an installed orc would be. */
function orcOnPath(t) {
  const bin = join(tempDir(t), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'orc'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'orc'), 0o755);
  return bin;
}

test('the bash script completes subcommands, aliases, flags and names from the board', (t) => {
  const { dir, taskId } = boardWithRecords(t);
  const script = join(dir, 'orc.bash');
  writeFileSync(script, orc(['completion', 'bash']).stdout);
  const complete = (line) => {
    const words = line.split(' ');
    const source = `source '${script}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _orc_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['-c', source], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${orcOnPath(t)}:${process.env.PATH}`, ORC_DIR: '', ORCHESTRATOR_DIR: '' },
    });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split('\n').filter(Boolean);
  };
  assert.ok(complete('orc ').includes('t') && complete('orc ').includes('completion'));
  assert.deepEqual(complete('orc task n'), ['next', 'note']);
  assert.deepEqual(complete('orc t next '), ['api', 'web', 'bob']);
  assert.deepEqual(complete('orc t list --ws '), ['api', 'web']);
  assert.deepEqual(complete('orc t show '), [taskId]);
  assert.deepEqual(complete('orc a show '), ['bob']);
  assert.deepEqual(complete('orc t complete --ag'), ['--agent']);
  assert.deepEqual(complete('orc completion '), ['bash', 'zsh', 'fish']);
});

test('the fish script completes the same way', (t) => {
  if (!needsShell(t, 'fish')) return;
  const { dir } = boardWithRecords(t);
  const script = join(dir, 'orc.fish');
  writeFileSync(script, orc(['completion', 'fish']).stdout);
  const result = spawnSync('fish', ['-c', `source '${script}'; complete -C 'orc t next '`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${orcOnPath(t)}:${process.env.PATH}`, ORC_DIR: '', ORCHESTRATOR_DIR: '' },
  });
  assert.deepEqual(result.stdout.split('\n').filter(Boolean).sort(), ['api', 'bob', 'web']);
});
