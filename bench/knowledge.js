// The knowledge base at 1,000 and 10,000 generated documents: full index build, re-indexing after one
// document changed, in-process query p50/p95, and the CLI `kb search` as a ratio to a bare `node -e 0`.
// Targets (issue 4): one-document re-index < 300 ms at 10,000; query p50 < 50 ms; CLI at 1,000 ≤ 3×.
// Figures, not tests: a MISS is printed, never an exit code. `node bench/knowledge.js [size…]`.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LIB, ROOT, fmt, tempDir } from './util.js';

const { initWorkspace, workspaceAt, reindexKnowledge, searchKnowledge } = await import(LIB);
const { refreshIndex } = await import(pathToFileURL(join(ROOT, 'dist', 'lib', 'knowledge-index.js')).href);
const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'retrieval');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.floor(values.length * p)];
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

/** Realistic markdown: sentences of the 30 fixture documents, recombined with a seeded generator. */
function generate(dir, count) {
  const sentences = readdirSync(join(FIXTURES, 'docs')).flatMap((name) =>
    readFileSync(join(FIXTURES, 'docs', name), 'utf8')
      .replace(/^---[\s\S]*?---\n/, '')
      .split(/(?<=[.!?])\s+|\n+/)
      .filter((s) => s.length > 25 && !s.startsWith('#')),
  );
  let seed = 7;
  const pick = () => {
    seed = (seed * 16807) % 2147483647;
    return sentences[Math.floor((seed / 2147483647) * sentences.length)];
  };
  for (let i = 0; i < count; i++) {
    const folder = join(dir, 'knowledge', `area-${i % 20}`);
    mkdirSync(folder, { recursive: true });
    let text = `---\ntitle: Document ${i}\ntags: [area${i % 20}]\nauthor: bench\nupdated: 2026-11-01\n---\n# Document ${i} about svc-${i}\n\n${pick()} ${pick()}\n`;
    for (let s = 0; s < 3 + (i % 3); s++) {
      text += `\n## Part ${s} of svc-${i}\n${[pick(), pick(), pick(), pick()].join(' ')} Owner: person${i % 97}.\n`;
    }
    writeFileSync(join(folder, `doc-${i}.md`), text);
  }
}

function wall(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return performance.now() - started;
}

async function at(count) {
  const dir = tempDir();
  initWorkspace(dir);
  generate(dir, count);
  const ws = workspaceAt(dir);
  let started = performance.now();
  const built = await reindexKnowledge(ws, { full: true });
  const buildMs = performance.now() - started;

  // One document edited by hand, picked up by the refresh every search makes (stat, then hash), and by
  // `kb reindex`, which hashes every file.
  const refresh = [];
  const reindex = [];
  for (let r = 0; r < 5; r++) {
    const i = (r * 37) % count;
    const file = join(dir, 'knowledge', `area-${i % 20}`, `doc-${i}.md`);
    appendFileSync(file, `\nedited ${r}\n`);
    started = performance.now();
    await refreshIndex(ws);
    refresh.push(performance.now() - started);
    appendFileSync(file, `\nedited again ${r}\n`);
    started = performance.now();
    await reindexKnowledge(ws);
    reindex.push(performance.now() - started);
  }

  const questions = JSON.parse(readFileSync(join(FIXTURES, 'questions.json'), 'utf8')).map((q) => q.question);
  const queries = [...questions, 'svc-12 owner', 'person5 part 2', 'svc-999 rate limits', 'backups restore'];
  for (const q of queries) await searchKnowledge(ws, q);
  const times = [];
  for (let r = 0; r < 3; r++) {
    for (const q of queries) {
      started = performance.now();
      await searchKnowledge(ws, q, { k: 5 });
      times.push(performance.now() - started);
    }
  }

  // The same with the files checked before every query (what a fresh CLI process does).
  const checked = [];
  for (const q of queries) {
    started = performance.now();
    await searchKnowledge(ws, q, { k: 5, freshnessMs: 0 });
    checked.push(performance.now() - started);
  }

  const cli = [];
  const bare = [];
  const rounds = count >= 10_000 ? 7 : 15;
  for (let r = 0; r < rounds; r++) {
    bare.push(wall(['-e', '0']));
    cli.push(wall([BIN, '--dir', dir, '--json', 'kb', 'search', queries[r % queries.length]]));
  }
  const ratio = median(cli) / median(bare);
  const p50 = percentile(times, 0.5);
  const tag = `[knowledge ${count}]`;
  console.log(`${tag} ${built.documents} documents, ${built.chunks} sections`);
  console.log(`${tag} full build            ${fmt(buildMs)} ms`);
  console.log(
    `${tag} one document changed  refresh median ${fmt(median(refresh))} ms` +
      `${count >= 10_000 ? `  (target < 300 ms: ${verdict(median(refresh) < 300)})` : ''}` +
      `; kb reindex (hashes every file) ${fmt(median(reindex))} ms`,
  );
  console.log(
    `${tag} query in process      p50 ${fmt(p50, 1)} ms  p95 ${fmt(percentile(times, 0.95), 1)} ms  (target p50 < 50 ms: ${verdict(p50 < 50)})`,
  );
  console.log(
    `${tag} query, files checked p50 ${fmt(percentile(checked, 0.5), 1)} ms (a long-lived process checks at most once a second)`,
  );
  console.log(
    `${tag} CLI kb search         median ${fmt(median(cli))} ms  node -e 0 ${fmt(median(bare))} ms  ${ratio.toFixed(2)}x` +
      `${count === 1000 ? `  (target ≤ 3x: ${verdict(ratio <= 3)})` : ''}`,
  );
}

export async function run(sizes = [1000, 10_000]) {
  for (const size of sizes) await at(size);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number);
  await run(sizes.length > 0 ? sizes : undefined);
}
