// The README and the reference pages in docs/ link to each other: every relative link names a file
// that exists and, with a #fragment, a heading of that file (as GitHub makes anchors from headings).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];

/** The text outside fenced code blocks: a heading or link inside one is an example, not a link. */
const prose = (text) => text.replace(/^```[\s\S]*?^```$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = (file) =>
  new Set([...prose(readFileSync(file, 'utf8')).matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1])));

test('every relative link of the README and docs/ names a file that exists, and a heading in it', () => {
  let links = 0;
  for (const page of PAGES) {
    for (const [, target] of prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      links += 1;
      const [path, fragment] = target.split('#');
      const file = path ? join(dirname(page), path) : page;
      const where = `${relative(ROOT, page)} links to ${target}`;
      assert.ok(existsSync(file), `${where}: no such file`);
      if (fragment) assert.ok(anchorsOf(file).has(fragment), `${where}: no such heading`);
    }
  }
  assert.ok(links > 30, `the links were found (${links})`);
});

test('the README links to every page of docs/', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const page of PAGES.slice(1)) {
    const name = relative(ROOT, page);
    assert.ok(readme.includes(`](${name})`), `the README links to ${name}`);
  }
});
