// One environment prefix: every variable orc reads goes through lib/shared/env.ts, the old ORCHESTRATOR_
// names still work, and docs/environment-variables.md lists every variable the sources read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { envSetting, envValue, ORC_VARIABLES } from '../dist/lib/shared/index.js';
import { orc, ROOT, tempWorkspace } from './helpers.js';

test('envValue reads ORC_<key>, else its old alias; the ORC_ name wins; empty is unset', () => {
  assert.equal(envValue({ ORC_DIR: '/a' }, 'DIR'), '/a');
  assert.equal(envValue({ ORCHESTRATOR_DIR: '/b' }, 'DIR'), '/b');
  assert.equal(envValue({ ORC_DIR: '/a', ORCHESTRATOR_DIR: '/b' }, 'DIR'), '/a');
  assert.equal(envValue({ ORC_DIR: '', ORCHESTRATOR_DIR: '/b' }, 'DIR'), '/b');
  assert.equal(envValue({}, 'DIR'), undefined);
  assert.deepEqual(envSetting({ ORCHESTRATOR_REDIS_URL: 'redis://x' }, 'REDIS_URL'), {
    name: 'ORCHESTRATOR_REDIS_URL',
    value: 'redis://x',
  });
  assert.equal(envValue({ ORCHESTRATOR_ACTOR: 'x' }, 'ACTOR'), undefined, 'no alias, no fallback');
});

test('ORC_DIR names the workspace, and wins over ORCHESTRATOR_DIR', (t) => {
  const dir = tempWorkspace(t);
  const other = tempWorkspace(t);
  orc(['--dir', dir, 'ws', 'create', 'mine']);
  assert.match(orc(['ws', 'list'], { cwd: '/', env: { ORC_DIR: dir } }).stdout, /mine/);
  assert.match(
    orc(['ws', 'list'], { cwd: '/', env: { ORC_DIR: dir, ORCHESTRATOR_DIR: other } }).stdout,
    /mine/,
  );
  assert.doesNotMatch(orc(['ws', 'list'], { cwd: '/', env: { ORCHESTRATOR_DIR: other } }).stdout, /mine/);
});

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every variable name the sources read: process.env.X, env.X, env['X'], envValue/envSetting(…, 'KEY'). */
function variablesRead() {
  const found = new Map();
  const patterns = [
    [/\b(?:process\.env|env)\.([A-Z][A-Z0-9_]*)\b/g, (m) => m[1]],
    [/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g, (m) => m[1]],
    [/\benv(?:Value|Setting)\([^,()]+,\s*'([A-Z][A-Z0-9_]*)'\)/g, (m) => `ORC_${m[1]}`],
  ];
  for (const file of [...sourceFiles(join(ROOT, 'lib')), ...sourceFiles(join(ROOT, 'bin'))]) {
    const text = readFileSync(file, 'utf8');
    for (const [pattern, nameOf] of patterns)
      for (const m of text.matchAll(pattern)) found.set(nameOf(m), file.slice(ROOT.length + 1));
  }
  return found;
}

test('docs/environment-variables.md lists every environment variable the sources read, and every ORC_ variable', () => {
  const page = readFileSync(join(ROOT, 'docs', 'environment-variables.md'), 'utf8');
  const table = page
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .join('\n');
  const read = variablesRead();
  assert.ok(read.has('ORC_DIR') && read.has('CODEX_THREAD_ID'), 'the grep finds the reads');
  for (const [name, file] of read)
    assert.match(
      table,
      new RegExp(`\`${name}\``),
      `${name} (read in ${file}) is in the table of docs/environment-variables.md`,
    );
  for (const v of ORC_VARIABLES) {
    assert.match(table, new RegExp(`\\| \`ORC_${v.key}\` \\| ${v.alias ? `\`${v.alias}\` ` : ''}\\|`));
  }
});

test('the ORCHESTRATOR_ names remain aliases: ORCHESTRATOR_DATA_DIR and ORC_DATA_DIR are both refused', (t) => {
  const dir = tempWorkspace(t);
  for (const name of ['ORC_DATA_DIR', 'ORCHESTRATOR_DATA_DIR']) {
    const result = orc(['--dir', dir, 'status'], { env: { [name]: '/x' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`${name} is set: not supported`));
  }
});
