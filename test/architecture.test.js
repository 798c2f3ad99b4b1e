// The shape of the code: lib/ is folders by subsystem with a one-way import order, and bin/ reaches the
// library only through its entries. Every import counts: static, type-only, re-exports and dynamic.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const ts = createRequire(import.meta.url)('typescript');

/** Each folder of lib/ may import only from the folders before it (and from itself). */
export const LAYERS = [
  'shared',
  'records',
  'storage',
  'config',
  'llm',
  'board',
  'knowledge',
  'runs',
  'memory',
  'execution',
  'git',
  'doctor',
  'integrations',
  'app',
  'operations',
  'compat',
  'interfaces',
];
/** What bin/ may import of lib/: the public entry and the CLI's entry (lazy loaders of each layer). */
/** The library's two entries, outside the layers: the public one and the CLI's. */
const ENTRIES = ['lib/index.ts', 'lib/cli.ts'];

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every relative import of every source file, resolved to the .ts file it names. */
function importGraph() {
  const files = [...sourceFiles(join(ROOT, 'lib')), ...sourceFiles(join(ROOT, 'bin'))];
  const graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

/** The text of every string and template literal of a source file (comments excluded). */
function stringsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const texts = [];
  const walk = (node) => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    )
      texts.push(node.text);
    ts.forEachChild(node, walk);
  };
  walk(source);
  return texts;
}

const rel = (path) => relative(ROOT, path).split(sep).join('/');
const layerOf = (path) => {
  const parts = rel(path).split('/');
  return parts[0] === 'lib' && parts.length > 2 ? parts[1] : undefined;
};

test('every lib/ file sits in a layer folder and every layer exports through its index.ts', () => {
  const loose = sourceFiles(join(ROOT, 'lib'))
    .map(rel)
    .filter((path) => !ENTRIES.includes(path) && !LAYERS.includes(path.split('/')[1]));
  assert.deepEqual(loose, [], 'files outside the layer folders');
  for (const layer of LAYERS) {
    assert.ok(statSync(join(ROOT, 'lib', layer, 'index.ts')).isFile(), `lib/${layer}/index.ts`);
  }
});

test('lib/ imports only along the layer order, across folders only through index.ts, and never bin/', () => {
  const wrong = [];
  for (const [file, targets] of importGraph()) {
    const from = rel(file);
    if (!from.startsWith('lib/')) continue;
    const fromLayer = layerOf(file);
    for (const target of targets) {
      const to = rel(target);
      if (!to.startsWith('lib/')) {
        wrong.push(`${from} → ${to} (outside lib/)`);
        continue;
      }
      const toLayer = layerOf(target);
      if (fromLayer === undefined || toLayer === fromLayer) continue; // the public entry, or within a layer
      if (toLayer === undefined) wrong.push(`${from} → ${to} (the public entry)`);
      else if (LAYERS.indexOf(toLayer) > LAYERS.indexOf(fromLayer))
        wrong.push(`${from} → ${to} (a later layer)`);
      else if (!to.endsWith('/index.ts')) wrong.push(`${from} → ${to} (not through ${toLayer}/index.ts)`);
    }
  }
  assert.deepEqual(wrong, []);
  const namesBin = sourceFiles(join(ROOT, 'lib')).filter((file) =>
    stringsOf(file).some((text) => /(^|\/)bin\//.test(text)),
  );
  assert.deepEqual(namesBin.map(rel), [], 'lib/ names bin/');
});

test('bin/ imports the library only through its public entry or the app entry', () => {
  const wrong = [];
  for (const [file, targets] of importGraph()) {
    if (!rel(file).startsWith('bin/')) continue;
    for (const target of targets) {
      const to = rel(target);
      if (to.startsWith('lib/') && !ENTRIES.includes(to)) wrong.push(`${rel(file)} → ${to}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no file imports itself back through a cycle', () => {
  const graph = importGraph();
  const state = new Map(); // 1: on the current path, 2: done
  const cycles = [];
  const visit = (file, path) => {
    state.set(file, 1);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 1) cycles.push([...path.slice(path.indexOf(next)), next].map(rel).join(' → '));
      else if (!state.has(next)) visit(next, [...path, next]);
    }
    state.set(file, 2);
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, []);
});

/** lib/ files that read and write files that are not the workspace's, on purpose. */
const FS_OUTSIDE = {
  // The merge driver's %O %A %B are git's own temporary files, handed over by git.
  'lib/git/merge-files.ts': "git's temporary files",
};

test('only lib/storage/ touches the file system: every other lib/ file goes through it', () => {
  const FS = /^(node:)?fs(\/promises)?$/;
  const touching = sourceFiles(join(ROOT, 'lib'))
    .filter((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      return importedFiles.some((f) => FS.test(f.fileName));
    })
    .map(rel)
    .filter((path) => !path.startsWith('lib/storage/'));
  assert.deepEqual(
    touching.filter((path) => !Object.hasOwn(FS_OUTSIDE, path)),
    [],
  );
});
