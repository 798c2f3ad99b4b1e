import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { relevance } from '../dist/lib/memory/memory.js';
import { orc, orcJson, readEventsFile, tempWorkspace } from './helpers.js';

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
