import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { relevance } from '../dist/lib/memory/memory.js';
import { orc, orcJson, readEventsFile, snapshot, tempWorkspace } from './helpers.js';

test('relevance follows the documented forgetting curve', () => {
  assert.equal(relevance(0, 0), 0.6);
  assert.ok(Math.abs(relevance(10, 0) - 0.3) < 1e-9, 'halves in ten days');
  assert.ok(Math.abs(relevance(10, 9) - 0.7) < 1e-9, '9 recalls add 0.4');
});

function note(dir, name, updated, recalls) {
  mkdirSync(join(dir, 'knowledge/runs'), { recursive: true });
  writeFileSync(
    join(dir, 'knowledge/runs', `${name}.md`),
    `---\ntitle: ${name}\nupdated: ${updated}\nrecalls: ${recalls}\n---\n# ${name}\n`,
  );
}

test('memory list orders by relevance; prune keeps the budget and archives the rest, never deleting', (t) => {
  const dir = tempWorkspace(t);
  const day = (ago) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  note(dir, 'r-old-forgotten', day(60), 0);
  note(dir, 'r-old-recalled', day(60), 20);
  note(dir, 'r-fresh', day(0), 0);
  note(dir, 'r-week', day(7), 1);
  const listed = orcJson(dir, ['memory', 'list']);
  assert.deepEqual(
    listed.map((m) => m.name),
    ['runs/r-old-forgotten', 'runs/r-week', 'runs/r-fresh', 'runs/r-old-recalled'],
  );
  assert.equal(orc(['--dir', dir, 'memory', 'prune', '--budget', 'lots']).code, 2);
  const pruned = orcJson(dir, ['memory', 'prune', '--budget', '2']);
  assert.deepEqual(pruned, { kept: 2, archived: ['runs/r-old-forgotten', 'runs/r-week'] });
  assert.equal(existsSync(join(dir, 'knowledge/runs/r-old-forgotten.md')), false);
  assert.match(
    readFileSync(join(dir, 'knowledge/archive/runs/r-old-forgotten.md'), 'utf8'),
    /# r-old-forgotten/,
  );
  assert.deepEqual(
    orcJson(dir, ['memory', 'list']).map((m) => m.name),
    ['runs/r-fresh', 'runs/r-old-recalled'],
  );
  assert.equal(readEventsFile(dir).filter((e) => e.type === 'memory.archived').length, 2);
});

test('pruning is one mutation scored under the lock: two prunes at once archive each note once', async (t) => {
  const { findWorkspace, pruneMemories } = await import('../dist/lib/index.js');
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  note(dir, 'r-a', '2030-01-01', 0);
  note(dir, 'r-b', '2030-01-05', 0);
  note(dir, 'r-c', '2030-01-09', 0);
  const now = new Date('2030-01-10T00:00:00.000Z');
  const results = await Promise.all([1, 2].map(() => pruneMemories(ws, 1, { now })));
  assert.deepEqual(
    results.map((r) => r.archived).sort((a, b) => a.length - b.length),
    [[], ['runs/r-a', 'runs/r-b']],
    'the second prune sees what the first left',
  );
  assert.deepEqual(readdirSync(join(dir, 'knowledge/runs')), ['r-c.md']);
  assert.deepEqual(readdirSync(join(dir, 'knowledge/archive/runs')).sort(), ['r-a.md', 'r-b.md']);
  const archived = readEventsFile(dir).filter((e) => e.type === 'memory.archived');
  assert.deepEqual(
    archived.map((e) => [e.subject, e.ts, e.data.days]),
    [
      ['runs/r-a', now.toISOString(), 9],
      ['runs/r-b', now.toISOString(), 5],
    ],
    'one event set, aged by the injected clock',
  );
});

test('a prune that meets a note it may not read moves nothing', (t) => {
  const dir = tempWorkspace(t);
  note(dir, 'r-a', '2030-01-01', 0);
  note(dir, 'r-b', '2030-01-05', 0);
  symlinkSync(join(dir, 'knowledge/runs/r-a.md'), join(dir, 'knowledge/runs/r-link.md'));
  const before = snapshot(dir);
  const run = orc(['--dir', dir, 'memory', 'prune', '--budget', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /knowledge\/runs\/r-link\.md .*symbolic link/);
  assert.equal(snapshot(dir), before);
});
