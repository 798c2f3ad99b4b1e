// Human tables (lib/shared/text-table.ts): layout, widths, cutting to a terminal, escaping, colours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayWidth, renderTable, truncateToWidth } from '../dist/lib/shared/index.js';
import { orc, tempWorkspace } from './helpers.js';

const RED = (text) => `\u001b[31m${text}\u001b[39m`;

test('a table: borders, the header, left-aligned cells padded to the widest of each column', () => {
  const out = renderTable(
    ['id', 'title', 'n'],
    [
      ['a', 'first task', 1],
      ['bb', 'x', 22],
    ],
  );
  assert.equal(
    out,
    [
      '┌────┬────────────┬────┐',
      '│ id │ title      │ n  │',
      '│ a  │ first task │ 1  │',
      '│ bb │ x          │ 22 │',
      '└────┴────────────┴────┘',
    ].join('\n'),
  );
});

test('widths count East Asian wide characters and emoji as two columns, colour codes as none', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('日本語'), 6);
  assert.equal(displayWidth(RED('abc')), 3);
  assert.equal(displayWidth('e\u0301'), 1); // e and a combining accent
  assert.equal(displayWidth('🚀 go'), 5);
  const lines = renderTable(['name'], [['日本'], ['abcd']]).split('\n');
  assert.equal(new Set(lines.map(displayWidth)).size, 1, 'every line as wide as the others');
});

test('at a terminal width, the widest text column is cut with an ellipsis until the table fits', () => {
  const rows = Array.from({ length: 5 }, (_, i) => [`t-${i}`, `a long title number ${i} `.repeat(4), i]);
  const out = renderTable(['id', 'title', 'pri'], rows, { width: 40 });
  const lines = out.split('\n');
  assert.equal(lines.length, rows.length + 3);
  for (const line of lines) assert.equal(displayWidth(line), 40, line);
  assert.ok(lines[2].includes('│ a long title number 0 a… │'), lines[2]);
  assert.ok(lines[2].startsWith('│ t-0 │'), 'the short column is left whole');

  // `cut` names the columns that may be cut: here not the long one, so the table stays wide.
  const uncut = renderTable(['id', 'title'], [['x'.repeat(30), 'short']], { width: 20, cut: [1] });
  assert.ok(uncut.includes('x'.repeat(30)));

  // A column is never cut below its header or ten columns: a terminal too narrow wraps instead.
  const narrow = renderTable(['description'], [['y'.repeat(50)]], { width: 5 });
  assert.ok(narrow.includes(`│ ${'y'.repeat(10)}… │`));
  assert.equal(displayWidth(narrow.split('\n')[2]), 'description'.length + 4);
});

test('a cut keeps colour codes and resets them after the ellipsis; wide characters are cut whole', () => {
  assert.equal(truncateToWidth(RED('abcdefgh'), 4), '\u001b[31mabc…\u001b[0m');
  assert.equal(truncateToWidth('日本語の', 5), '日本…');
  assert.equal(truncateToWidth('short', 10), 'short');
});

test('control characters in cells are escaped on one line; colour codes pass only with color', () => {
  const plain = renderTable(['v'], [['a\nb\tc\u0007'], [RED('r')]]);
  assert.ok(plain.includes('a\\nb\\tc\\x07'));
  assert.ok(plain.includes('\\x1b[31mr\\x1b[39m'));
  assert.ok(!plain.includes('\u001b'));
  assert.equal(plain.split('\n').length, 5);
  const colored = renderTable(['v'], [[RED('r')], ['x\u001b]0;title\u0007']], { color: true });
  assert.ok(colored.includes(RED('r')));
  assert.ok(colored.includes('x\\x1b]0;title\\x07'), 'an escape that is not a colour is escaped');
});

test('a table of 20,000 rows is rendered whole, one line per row', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => [`t-${i}`, `title ${i}`, i % 10]);
  const lines = renderTable(['id', 'title', 'pri'], rows, { width: 80 }).split('\n');
  assert.equal(lines.length, 20_003);
  assert.equal(lines.at(-2), '│ t-19999 │ title 19999 │ 9   │');
});

test('CLI: with FORCE_COLOR a table is drawn; NO_COLOR leaves no colour code in it', (t) => {
  const dir = tempWorkspace(t);
  assert.equal(orc(['--dir', dir, 'ws', 'create', 'build']).code, 0);
  assert.equal(orc(['--dir', dir, 't', 'add', 'build', 'Write \u001b[31mthe docs']).code !== 0, true);
  assert.equal(orc(['--dir', dir, 't', 'add', 'build', 'Write the docs']).code, 0);
  const drawn = orc(['--dir', dir, 't', 'list'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.equal(drawn.code, 0, drawn.stderr);
  assert.match(drawn.stdout, /^┌─+┬/);
  assert.match(drawn.stdout, /│ Write the docs │/);
  assert.ok(!drawn.stdout.includes('\u001b'));
  const colored = orc(['--dir', dir, 'ws', 'list'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
  assert.ok(colored.stdout.includes('\u001b[1mname\u001b[22m'), 'headers bold when colours are on');
});
