import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, snapshot, tempWorkspace } from './helpers.js';

const COMMANDS = [
  ['status'],
  ['t', 'list'],
  ['t', 'add', 'w', 'x'],
  ['run', 'analyse the data'],
  ['kb', 'search', 'anything'],
  ['config', 'check'],
];

function withSetting(t, yaml) {
  const dir = tempWorkspace(t);
  const file = join(dir, 'orchestrator.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('orchestrator:\n', yaml));
  return dir;
}

test('data_dir in orchestrator.yaml is refused by every command with one line naming it; nothing is written', (t) => {
  for (const [yaml, field] of [
    ['orchestrator:\n  data_dir: ./.orchestrator\n', 'orchestrator.data_dir'],
    ['data_dir: ./.orchestrator\norchestrator:\n', 'data_dir'],
  ]) {
    const dir = withSetting(t, yaml);
    const before = snapshot(dir);
    for (const args of COMMANDS) {
      const result = orc(['--dir', dir, ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`${field.replace('.', '\\.')}: not supported, remove it: orc keeps runs in state/runs/`),
      );
    }
    const json = orc(['--dir', dir, '--json', 'status']);
    assert.equal(JSON.parse(json.stderr).error.code, 'INVALID_INPUT');
    assert.deepEqual(snapshot(dir), before, 'nothing written');
  }
});

test('ORCHESTRATOR_DATA_DIR is refused by every command, orc init included; a commented data_dir is not', (t) => {
  const dir = withSetting(t, '# data_dir: ./elsewhere (commented out)\norchestrator:\n');
  assert.equal(orc(['--dir', dir, 'status']).code, 0);
  for (const args of [...COMMANDS, ['init']]) {
    const result = orc(['--dir', dir, ...args], { env: { ORCHESTRATOR_DATA_DIR: join(dir, 'data') } });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /ORCHESTRATOR_DATA_DIR is set: not supported, unset it/);
  }
});

test('checkOrchestratorConfig lists data_dir among the problems', async (t) => {
  const dir = withSetting(t, 'orchestrator:\n  data_dir: ./data\n');
  const { checkOrchestratorConfig } = await import('../dist/lib/config/index.js');
  const { workspaceAt } = await import('../dist/lib/storage/index.js');
  const { problems } = checkOrchestratorConfig(workspaceAt(dir), {});
  assert.ok(
    problems.some((p) => p.startsWith('orchestrator.data_dir: not supported')),
    problems.join('; '),
  );
  const env = checkOrchestratorConfig(workspaceAt(tempWorkspace(t)), { ORCHESTRATOR_DATA_DIR: '/x' });
  assert.ok(env.problems.some((p) => p.startsWith('ORCHESTRATOR_DATA_DIR: not supported')));
});
