// The Examples section of --help for the main commands, and `orc --help` still loading no library module.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { BIN, orc, tempDir } from './helpers.js';

const COMMANDS = [
  [],
  ['t', 'add'],
  ['t', 'next'],
  ['t', 'complete'],
  ['run'],
  ['lock', 'acquire'],
  ['kb', 'search'],
  ['serve'],
  ['mcp'],
];

test('the main commands show an Examples section in --help, with commands of their own', () => {
  for (const path of COMMANDS) {
    const result = orc([...path, '--help']);
    assert.equal(result.code, 0, result.stderr);
    const examples = result.stdout.split('\nExamples:\n')[1];
    assert.ok(examples, `orc ${path.join(' ')} --help has Examples`);
    const invocation = ['orc', ...path].join(' ');
    assert.ok(
      examples.split('\n').some((line) => line.includes(path.length ? invocation : 'orc ')),
      `an example of orc ${path.join(' ')} runs it`,
    );
  }
  assert.doesNotMatch(orc(['t', 'list', '--help']).stdout, /Examples:/, 'only where there are examples');
});

test('orc --help loads no library module (bundled chunks are marked with their source paths)', (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const result = spawnSync(process.execPath, ['--import', register, BIN, '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => fileURLToPath(url));
  assert.ok(loaded.includes(BIN));
  for (const file of loaded)
    assert.doesNotMatch(readFileSync(file, 'utf8'), /^\/\/ dist\/lib\//m, `${file} holds library code`);
});
