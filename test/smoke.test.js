import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('orc --version prints the package version', () => {
  const run = spawnSync(process.execPath, ['dist/bin/orc.js', '--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^\d+\.\d+\.\d+/);
});
