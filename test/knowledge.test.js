// The knowledge base through the CLI: write/read/list/rm/search/reindex, names, front matter, the index.
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcAsync, orcJson, readEventsFile, snapshot, tempDir, tempWorkspace } from './helpers.js';

const FIXTURES = new URL('./fixtures/retrieval/', import.meta.url).pathname;

test('kb write, read, list, search and rm, end to end, with events', (t) => {
  const dir = tempWorkspace(t);
  const written = orcJson(dir, [
    'kb',
    'write',
    'guides/setup',
    '# Setup\n\nInstall node, then run npm install.\n\n## Proxy\nBehind a proxy, set HTTPS_PROXY first.\n',
    '--tag',
    'howto',
    '--tag',
    'setup',
  ]);
  assert.deepEqual(written, {
    name: 'guides/setup',
    file: 'knowledge/guides/setup.md',
    bytes: written.bytes,
    hash: written.hash,
    created: true,
  });
  const fromStdin = orc(['--dir', dir, 'kb', 'write', 'notes/deploys'], {
    input: '# Deploys\n\nDeploy on Tuesdays only.\n',
  });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.match(fromStdin.stdout, /created knowledge\/notes\/deploys\.md/);
  assert.equal(orc(['--dir', dir, 'kb', 'write', 'notes/dash', '-'], { input: 'dash body\n' }).code, 0);

  const doc = orcJson(dir, ['kb', 'read', 'guides/setup']);
  assert.equal(doc.title, 'Setup');
  assert.deepEqual(doc.tags, ['howto', 'setup']);
  assert.equal(doc.author, 'tester');
  assert.match(doc.updated, /^\d{4}-\d\d-\d\dT/);
  assert.ok(doc.content.startsWith('---\ntitle: Setup\ntags: [howto, setup]\nauthor: tester\nupdated: '));
  assert.ok(doc.body.startsWith('# Setup\n\nInstall node'));
  assert.equal(
    orc(['--dir', dir, 'kb', 'read', 'guides/setup.md']).stdout,
    doc.body,
    'the text as written, without front matter',
  );

  const list = orcJson(dir, ['kb', 'list']);
  assert.deepEqual(
    list.map((d) => [d.name, d.title, d.tags]),
    [
      ['guides/setup', 'Setup', ['howto', 'setup']],
      ['notes/dash', 'dash', []],
      ['notes/deploys', 'Deploys', []],
    ],
  );
  assert.ok(list.every((d) => d.size > 0 && d.updated));

  const search = orcJson(dir, ['kb', 'search', 'which proxy settings', '-k', '2']);
  assert.equal(search.mode, 'lexical');
  assert.equal(search.hits[0].name, 'guides/setup');
  assert.equal(search.hits[0].heading, 'Setup › Proxy');
  assert.match(search.hits[0].snippet, /HTTPS_PROXY/);
  assert.ok(search.hits[0].score > 0);
  assert.ok(search.hits.length <= 2);
  const human = orc(['--dir', dir, 'kb', 'search', 'tuesday deploy']);
  assert.match(human.stdout, /^notes\/deploys › Deploys \(\d/);

  assert.equal(orcJson(dir, ['kb', 'rm', 'notes/deploys']).name, 'notes/deploys');
  assert.deepEqual(orcJson(dir, ['kb', 'search', 'tuesday deploy']).hits, []);
  const events = readEventsFile(dir).filter((e) => e.type.startsWith('kb.'));
  assert.deepEqual(
    events.map((e) => [e.type, e.subject, e.actor]),
    [
      ['kb.written', 'guides/setup', 'tester'],
      ['kb.written', 'notes/deploys', 'tester'],
      ['kb.written', 'notes/dash', 'tester'],
      ['kb.removed', 'notes/deploys', 'tester'],
    ],
  );
});

test('front matter a person wrote is kept: comments, order, other keys; only orc fields change', (t) => {
  const dir = tempWorkspace(t);
  const path = join(dir, 'knowledge', 'adr-1.md');
  writeFileSync(
    path,
    '---\n# decided in the March review\ntitle: Use Postgres\nstatus: accepted   # not draft\nauthor: ana\nupdated: 2026-03-01\n---\nBody one.\n',
  );
  orcJson(dir, ['kb', 'write', 'adr-1', 'Body two.\n']);
  const text = readFileSync(path, 'utf8');
  assert.match(
    text,
    /^---\n# decided in the March review\ntitle: Use Postgres\nstatus: accepted {3}# not draft\nauthor: ana\nupdated: 20\d\d-\d\d-\d\dT[^\n]+\n---\nBody two\.\n$/,
  );
  assert.ok(!text.includes('2026-03-01'));
  // Content with its own front matter replaces it; missing fields are filled in.
  orcJson(dir, ['kb', 'write', 'adr-1', '--tag', 'db'], {
    input: '---\ntitle: Use Postgres 16\nreviewers: [bo, cy]\n---\nBody three.\n',
  });
  const doc = orcJson(dir, ['kb', 'read', 'adr-1']);
  assert.equal(doc.title, 'Use Postgres 16');
  assert.deepEqual(doc.tags, ['db']);
  assert.equal(doc.author, 'tester');
  assert.match(doc.content, /reviewers: \[bo, cy\]/);
  assert.equal(doc.body, 'Body three.\n');
});

test('bad names and bad content are refused with one line and change nothing', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['kb', 'write', 'keep', 'kept\n']);
  const outside = tempDir(t);
  symlinkSync(outside, join(dir, 'knowledge', 'linked'));
  writeFileSync(join(dir, 'knowledge', 'broken.md'), '---\ntitle: [unclosed\n---\nbody\n');
  const before = snapshot(dir);
  const cases = [
    [['kb', 'write', '../escape', 'x'], 2, /\.\. segment/],
    [['kb', 'write', 'a/../../escape', 'x'], 2, /\.\. segment/],
    [['kb', 'write', '/etc/passwd', 'x'], 2, /absolute/],
    [['kb', 'write', 'a/%2e%2e/b', 'x'], 2, /escaped/],
    [['kb', 'write', 'a%2Fb', 'x'], 2, /escaped/],
    [['kb', 'write', 'a\\..\\b', 'x'], 2, /escaped/],
    [['kb', 'write', '.hidden', 'x'], 2, /bad segment/],
    [['kb', 'write', 'a//b', 'x'], 2, /empty/],
    [['kb', 'write', 'notes.txt', 'x'], 2, /markdown/],
    [['kb', 'write', 'linked/x', 'x'], 2, /symbolic link/],
    [['kb', 'read', 'linked/x'], 2, /symbolic link/],
    [['kb', 'write', 'ok', '   '], 2, /empty/],
    [['kb', 'write', 'ok', 'nul\u0001byte'], 2, /control characters/],
    [
      ['kb', 'write', 'broken', 'new body'],
      6,
      /knowledge\/broken\.md has front matter that is not valid YAML/,
    ],
    [['kb', 'write', 'ok', '--', '---\ntitle: [x\n---\nbody'], 2, /not valid YAML/],
    [['kb', 'read', 'missing'], 3, /no knowledge document "missing"/],
    [['kb', 'rm', 'missing'], 3, /no knowledge document/],
    [['kb', 'search', '  '], 2, /query must not be empty/],
    [['kb', 'search', 'x', '-k', '0'], 2, /-k must be/],
    [['kb', 'search', 'x', '--mode', 'semantic'], 2, /needs knowledge\.embeddings/],
  ];
  for (const [args, code, pattern] of cases) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, pattern, args.join(' '));
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/);
  }
  assert.equal(snapshot(dir), before);
  const json = orc(['--dir', dir, '--json', 'kb', 'write', '../x', 'y']);
  assert.equal(JSON.parse(json.stderr).error.code, 'INVALID_INPUT');
  // The file with broken front matter is still listed and searched, its problem named.
  const broken = orcJson(dir, ['kb', 'list']).find((d) => d.name === 'broken');
  assert.match(broken.problem, /./);
});

test('hand edits, files from git pull and deletions are picked up; only what changed is re-indexed', (t) => {
  const dir = tempWorkspace(t);
  cpSync(join(FIXTURES, 'docs'), join(dir, 'knowledge'), { recursive: true });
  const first = orcJson(dir, ['kb', 'reindex']);
  assert.equal(first.documents, 30);
  assert.equal(first.changed.length, 30);
  assert.equal(orcJson(dir, ['kb', 'reindex']).changed.length, 0);

  // A hand edit (an mtime the index has not seen) and a new file arriving by "git pull".
  const flaky = join(dir, 'knowledge', 'flaky-tests.md');
  writeFileSync(flaky, `${readFileSync(flaky, 'utf8')}\n## Zebra crossing\nThe quokka rule applies.\n`);
  mkdirSync(join(dir, 'knowledge', 'pulled'));
  writeFileSync(join(dir, 'knowledge', 'pulled', 'runbook.md'), '# Runbook\n\nRestart the wombat service.\n');
  const hit = orcJson(dir, ['kb', 'search', 'quokka']).hits[0];
  assert.equal(hit.name, 'flaky-tests');
  assert.equal(hit.heading, 'Dealing with flaky tests › Zebra crossing');
  assert.equal(orcJson(dir, ['kb', 'search', 'wombat']).hits[0].name, 'pulled/runbook');

  // Touching a file without changing it is not a change; an edit that keeps size and mtime is found by reindex.
  utimesSync(flaky, new Date(), new Date(Date.now() + 5000));
  const touched = orcJson(dir, ['kb', 'reindex']);
  assert.deepEqual(touched.changed, []);
  const logging = join(dir, 'knowledge', 'logging.md');
  const original = readFileSync(logging, 'utf8');
  const { mtime } = statSync(logging);
  writeFileSync(logging, original.replace(/e/, 'E'));
  utimesSync(logging, mtime, mtime);
  assert.deepEqual(orcJson(dir, ['kb', 'reindex']).changed, ['logging']);

  rmSync(join(dir, 'knowledge', 'pulled', 'runbook.md'));
  assert.deepEqual(orcJson(dir, ['kb', 'search', 'wombat']).hits, []);
  assert.deepEqual(orcJson(dir, ['kb', 'reindex']).removed, []);

  // The index is a cache: deleted, it is rebuilt; archive/ is never searched.
  rmSync(join(dir, '.orc', 'knowledge'), { recursive: true });
  assert.equal(orcJson(dir, ['kb', 'search', 'quokka']).hits[0].name, 'flaky-tests');
  mkdirSync(join(dir, 'knowledge', 'archive'));
  writeFileSync(join(dir, 'knowledge', 'archive', 'old.md'), '# Old\n\nquokka quokka quokka\n');
  assert.deepEqual(
    orcJson(dir, ['kb', 'search', 'quokka']).hits.map((h) => h.name),
    ['flaky-tests'],
  );
  const git = readFileSync(join(dir, '.gitignore'), 'utf8');
  assert.match(git, /^\.orc\/$/m);
});

test('concurrent writers and searchers: every document lands, the index stays whole', async (t) => {
  const dir = tempWorkspace(t);
  const writers = Array.from({ length: 6 }, (_, i) =>
    orcAsync(['--dir', dir, 'kb', 'write', `w/doc-${i}`, `# Doc ${i}\n\nunique${i} shared words\n`]),
  );
  const searchers = Array.from({ length: 4 }, () =>
    orcAsync(['--dir', dir, '--json', 'kb', 'search', 'shared words', '-k', '10']),
  );
  const results = await Promise.all([...writers, ...searchers]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const hits = orcJson(dir, ['kb', 'search', 'shared words', '-k', '10']).hits;
  assert.deepEqual(
    hits.map((h) => h.name).sort(),
    Array.from({ length: 6 }, (_, i) => `w/doc-${i}`),
  );
  for (let i = 0; i < 6; i++)
    assert.equal(orcJson(dir, ['kb', 'search', `unique${i}`]).hits[0].name, `w/doc-${i}`);
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'kb.written').length, 6);
});

test('a progress bar on a terminal only: forced with ORC_PROGRESS=1, never under --json or in a pipe', (t) => {
  const dir = tempWorkspace(t);
  cpSync(join(FIXTURES, 'docs'), join(dir, 'knowledge'), { recursive: true });
  const piped = orc(['--dir', dir, 'kb', 'reindex']);
  assert.equal(piped.stderr, '');
  const forced = orc(['--dir', dir, 'kb', 'reindex', '--full'], { env: { ORC_PROGRESS: '1' } });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /indexing \[[=\- ]*\] 30\/30/);
  assert.match(forced.stdout, /indexed 30 document\(s\), \d+ section\(s\) \(rebuilt\)/);
});
