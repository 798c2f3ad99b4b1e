// Knowledge search with an embedding provider: a local OpenAI-compatible server, the real openai client.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeEmbeddings } from './fake-embeddings-server.js';
import { orcAsync, tempWorkspace } from './helpers.js';

const FIXTURES = new URL('./fixtures/retrieval/', import.meta.url).pathname;
const KEY = 'sk-test-embedding-key-0123456789';

function configure(dir, url, extra = '') {
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `version: 1\nproviders:\n  emb:\n    base_url: ${url}\n    api_key: \${EMBED_KEY}\n    model: chat-model\n    max_retries: 0\nknowledge:\n  embeddings:\n    provider: emb\n    model: fake-embed\n    batch_size: 4\n${extra}`,
  );
}

async function orcJsonAsync(dir, args) {
  const run = await orcAsync(['--dir', dir, '--json', ...args], { env: { EMBED_KEY: KEY } });
  assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return { ...JSON.parse(run.stdout), stderr: run.stderr };
}

function filesContaining(dir, needle) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path, 'utf8').includes(needle)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

test('embeddings: batched, float, only changed chunks re-embedded; search is hybrid', async (t) => {
  const server = await startFakeEmbeddings();
  t.after(server.close);
  const dir = tempWorkspace(t);
  configure(dir, server.url);
  cpSync(join(FIXTURES, 'docs'), join(dir, 'knowledge'), { recursive: true });

  const first = await orcJsonAsync(dir, ['kb', 'reindex']);
  const chunks = first.chunks;
  assert.ok(chunks > 30);
  assert.deepEqual(first.embeddings, { embedded: chunks, reused: 0, removed: 0 });
  assert.equal(server.inputs(), chunks);
  assert.equal(server.requests.length, Math.ceil(chunks / 4));
  for (const r of server.requests) {
    assert.equal(r.path, '/v1/embeddings');
    assert.equal(r.body.model, 'fake-embed');
    assert.equal(r.body.encoding_format, 'float');
    assert.equal(r.auth, `Bearer ${KEY}`);
    assert.ok(r.body.input.length <= 4);
  }

  // Nothing changed: nothing is sent.
  const again = await orcJsonAsync(dir, ['kb', 'reindex']);
  assert.equal(again.embeddings.embedded, 0);
  assert.equal(server.inputs(), chunks);

  // One new section in one document: one chunk is sent.
  const flaky = join(dir, 'knowledge', 'flaky-tests.md');
  writeFileSync(
    flaky,
    `${readFileSync(flaky, 'utf8')}\n## Ownership\nThe platform team owns the quarantine list.\n`,
  );
  const one = await orcJsonAsync(dir, ['kb', 'reindex']);
  assert.deepEqual(one.changed, ['flaky-tests']);
  assert.equal(one.embeddings.embedded, 1);
  assert.equal(server.inputs(), chunks + 1);

  const before = server.requests.length;
  const search = await orcJsonAsync(dir, [
    'kb',
    'search',
    'How do I publish a new version of our package?',
    '-k',
    '3',
  ]);
  assert.equal(search.mode, 'hybrid');
  assert.equal(search.hits[0].name, 'release-process');
  assert.equal(server.requests.length, before + 1, 'one request: the query');
  assert.equal(server.requests.at(-1).body.input.length, 1);
  const semantic = await orcJsonAsync(dir, [
    'kb',
    'search',
    'release version package publish',
    '--mode',
    'semantic',
  ]);
  assert.equal(semantic.mode, 'semantic');
  assert.ok(semantic.hits.length > 0);
  const lexical = await orcJsonAsync(dir, ['kb', 'search', 'release', '--mode', 'lexical']);
  assert.equal(lexical.mode, 'lexical');
  assert.equal(server.requests.length, before + 2, 'lexical mode sends nothing');

  // The key is never written: not in the index, not in events.
  assert.deepEqual(filesContaining(dir, KEY), []);
});

test('a failing provider degrades to offline search with a warning, never an error', async (t) => {
  let failing = false;
  const server = await startFakeEmbeddings({ fail: () => (failing ? 500 : 0) });
  t.after(server.close);
  const dir = tempWorkspace(t);
  configure(dir, server.url);
  cpSync(join(FIXTURES, 'docs'), join(dir, 'knowledge'), { recursive: true });
  failing = true;
  const search = await orcAsync(
    ['--dir', dir, '--json', 'kb', 'search', 'Which fields must every log line contain?'],
    {
      env: { EMBED_KEY: KEY },
    },
  );
  assert.equal(search.code, 0, search.stderr);
  const out = JSON.parse(search.stdout);
  assert.equal(out.mode, 'lexical');
  assert.equal(out.hits[0].name, 'logging');
  const warning = JSON.parse(search.stderr.trim().split('\n')[0]).warning;
  assert.equal(warning.code, 'PROVIDER_FAILED');
  assert.match(warning.message, /provider emb failed: HTTP 500 .*overloaded.*offline/);
  assert.ok(!search.stderr.includes(KEY));

  // reindex keeps the lexical index current and says the embeddings will be retried.
  const reindex = await orcAsync(['--dir', dir, 'kb', 'reindex'], { env: { EMBED_KEY: KEY } });
  assert.equal(reindex.code, 0, reindex.stderr);
  assert.match(reindex.stderr, /^warning: provider emb failed: HTTP 500.*embeddings will be retried\n$/);
  assert.match(reindex.stdout, /indexed 30 document\(s\)/);

  // A provider that cannot be reached at all, and a broken config, are warnings too.
  configure(dir, 'http://127.0.0.1:9/v1');
  const unreachable = await orcAsync(['--dir', dir, 'kb', 'search', 'log fields'], {
    env: { EMBED_KEY: KEY },
  });
  assert.equal(unreachable.code, 0, unreachable.stderr);
  assert.match(unreachable.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/v1.*offline/);
  assert.match(unreachable.stdout, /^logging/);
  writeFileSync(join(dir, 'orchestrator.yaml'), 'knowledge:\n  embeddings:\n    provider: nowhere\n');
  const broken = await orcAsync(['--dir', dir, 'kb', 'search', 'log fields']);
  assert.equal(broken.code, 0, broken.stderr);
  assert.match(
    broken.stderr,
    /knowledge\.embeddings\.provider: "nowhere" is not a configured provider.*offline/,
  );

  // When it answers again, the embeddings catch up.
  failing = false;
  configure(dir, server.url);
  const recovered = await orcAsync(['--dir', dir, '--json', 'kb', 'search', 'log line fields'], {
    env: { EMBED_KEY: KEY },
  });
  assert.equal(JSON.parse(recovered.stdout).mode, 'hybrid');
  assert.equal(recovered.stderr, '');
});
