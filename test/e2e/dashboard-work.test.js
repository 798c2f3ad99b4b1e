// The dashboard as a place to work, in headless Chromium (Debian's `chromium`, driven by playwright-core):
// filters, the task detail panel, every action, the graphs, events applied without reloading the board,
// dark mode, a phone's width, and workspace text that carries markup rendered as text.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CHROMIUM, launchChromium } from '../../scripts/chromium.js';
import { orcJson, tempWorkspace } from '../helpers.js';
import { GATED_FLOW, REVIEWER_AGENT, TOKEN, startServe, waitForHttpRun } from '../http-helpers.js';
import { runWorkspace } from '../run-helpers.js';

const skip =
  existsSync(CHROMIUM) || process.env.CI
    ? false
    : `${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`;

const XSS = {
  title: '<img src=x onerror=window.__xss=1>',
  description: '</script><script>window.__xss=2</script><img src=x onerror=window.__xss=3>',
  note: '<img src=x onerror=window.__xss=4></script>',
  actor: '<img src=x onerror=window.__xss=5>',
};

/**
 * Launched first in each test: hooks run in the order they were added and stop at the first that throws,
 * so the browser closes (and its page stops asking the server) before the workspace is removed.
 */
async function openBrowser(t) {
  const browser = await launchChromium();
  t.after(() => browser.close());
  return browser;
}

/** A page of the dashboard signed in, with errors and dialogs collected, and the API paths it fetched. */
async function openDashboard(browser, url, options = {}) {
  const page = await browser.newPage(options);
  const errors = [];
  const fetched = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    return dialog.dismiss();
  });
  page.on('request', (request) => {
    const where = new URL(request.url());
    if (where.pathname.startsWith('/api/')) fetched.push(`${request.method()} ${where.pathname}`);
    if (request.url().includes(TOKEN)) errors.push(`the token is in a URL: ${where.pathname}`);
  });
  await page.goto(`${url}/#token=${TOKEN}`);
  await page.locator('.pill.live').waitFor({ timeout: 10_000 });
  await page.locator('#board .ws-row').first().waitFor();
  return { page, errors, fetched };
}

const noMarkupRan = async (page) => {
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.locator('#app img, #app script').count(), 0);
};

/**
 * backend: A (done) ← B (claimed by ada) ← C, A ← D; docs: E (tag guide), and F whose title, description,
 * note and author (ORC_ACTOR) carry markup.
 */
function seedBoard(dir) {
  orcJson(dir, ['ws', 'create', 'backend', 'API and storage', '1']);
  orcJson(dir, ['ws', 'create', 'docs']);
  orcJson(dir, ['a', 'register', 'ada', 'worker']);
  orcJson(dir, ['a', 'register', 'ben', 'writer']);
  const a = orcJson(dir, ['t', 'add', 'backend', 'Design the schema', '-p', '1']);
  orcJson(dir, ['t', 'claim', a.id, 'ada']);
  orcJson(dir, ['t', 'complete', a.id, 'schema in db/schema.sql', '--agent', 'ada']);
  const b = orcJson(dir, ['t', 'add', 'backend', 'Build the orders API', '-p', '1', '--dep', a.id]);
  orcJson(dir, ['t', 'claim', b.id, 'ada']);
  const c = orcJson(dir, [
    't',
    'add',
    'backend',
    'Load test the API',
    '--description',
    'k6 at 200 rps',
    '--dep',
    b.id,
  ]);
  const d = orcJson(dir, ['t', 'add', 'backend', 'Seed the data', '-p', '4', '--dep', a.id]);
  const e = orcJson(dir, ['t', 'add', 'docs', 'Write the API guide', '--tag', 'guide']);
  const env = { ORC_ACTOR: XSS.actor };
  const f = orcJson(dir, ['t', 'add', 'docs', XSS.title, '--description', XSS.description], { env });
  orcJson(dir, ['t', 'note', f.id, XSS.note], { env });
  return { a, b, c, d, e, f };
}

const cards = (page) => page.locator('#board .task .title').allTextContents();

/** Waits until the board shows exactly these titles (in any order), then checks them once more. */
async function showsCards(page, titles) {
  const expected = [...titles].sort();
  await page.waitForFunction((want) => {
    const shown = [...document.querySelectorAll('#board .task .title')].map((n) => n.textContent).sort();
    return JSON.stringify(shown) === JSON.stringify(want);
  }, expected);
  assert.deepEqual((await cards(page)).sort(), expected);
}

test('the dashboard: filters, the detail panel, the graph, and events applied one task at a time', {
  skip,
}, async (t) => {
  const browser = await openBrowser(t);
  const dir = tempWorkspace(t);
  const { a, b, c, d, f } = seedBoard(dir);
  const { url } = await startServe(t, dir);
  const { page, errors, fetched } = await openDashboard(browser, url);

  // Ready and blocked on each card.
  const card = (id) => page.locator(`#board .task[data-task="${id}"]`);
  assert.equal(await card(d.id).locator('.chip.ready').count(), 1, 'D waits for A only, which is done');
  assert.match(await card(c.id).locator('.chip.blocked').textContent(), /blocked by 1/);

  // Filters: text, workstream, status, agent, tag; each narrows the cards, clearing brings them back.
  // The page renders on the next animation frame, so each step waits for the titles it expects:
  // a count alone can match the frame before (two filters in a row may both show one card).
  await page.locator('#f-text').fill('load test');
  await showsCards(page, ['Load test the API']);
  await page.locator('#f-text').fill('');
  await page.locator('#f-ws').selectOption('docs');
  await showsCards(page, [XSS.title, 'Write the API guide']);
  await page.locator('#f-ws').selectOption('');
  await page.locator('#f-status').selectOption('ready');
  await showsCards(page, ['Seed the data', 'Write the API guide', XSS.title]);
  await page.locator('#f-status').selectOption('');
  await page.locator('#f-agent').selectOption('ada');
  await showsCards(page, ['Build the orders API']);
  await page.locator('#f-agent').selectOption('');
  await page.locator('#f-tag').selectOption('guide');
  await showsCards(page, ['Write the API guide']);
  await page.locator('#f-tag').selectOption('');
  await page.waitForFunction(() => document.querySelectorAll('#board .task').length === 6);

  // The agents panel says who works on what.
  assert.match(await page.locator('#agents [data-agent="ada"]').textContent(), /Build the orders API/);
  assert.match(await page.locator('#agents [data-agent="ben"]').textContent(), /idle/);

  // The dependency graph of backend: four tasks, three edges (A→B, B→C, A→D), in three layers.
  await page.locator('#graph-ws').selectOption('backend');
  await page.locator('#graph [data-graph="backend"]').waitFor();
  assert.equal(await page.locator('#graph .node').count(), 4);
  assert.equal(await page.locator('#graph .edge').count(), 3);
  const x = (id) => page.locator(`#graph [data-node="${id}"]`).getAttribute('transform');
  const column = async (id) => Number(/translate\((\d+)/.exec(await x(id))[1]);
  assert.ok((await column(a.id)) < (await column(b.id)));
  assert.ok((await column(b.id)) < (await column(c.id)));
  assert.equal(await column(b.id), await column(d.id));

  // The detail panel: description, dependencies both ways, result, history, brief.
  await card(b.id).click();
  const detail = page.locator('#detail');
  await detail.locator('h2', { hasText: 'Build the orders API' }).waitFor();
  assert.deepEqual(
    await detail.locator('[data-field="deps"] [data-link]').evaluateAll((n) => n.map((e) => e.dataset.link)),
    [a.id],
  );
  assert.deepEqual(
    await detail
      .locator('[data-field="dependents"] [data-link]')
      .evaluateAll((n) => n.map((e) => e.dataset.link)),
    [c.id],
  );
  await detail.locator('#detail-history li', { hasText: 'task.claimed' }).waitFor();
  await detail.locator('[data-link] button', { hasText: 'Design the schema' }).click();
  await detail.locator('[data-field="result"]', { hasText: 'schema in db/schema.sql' }).waitFor();
  await detail.locator('#detail-brief summary').click();
  await page.waitForFunction(() =>
    /# Task t-/.test(document.getElementById('detail-brief-text').textContent),
  );
  assert.match(await detail.locator('#detail-brief-text').textContent(), /Design the schema/);

  // Text with markup, in every place it can come from, shows as typed.
  await card(f.id).click();
  await detail.locator('[data-field="notes"]').waitFor();
  assert.equal(await detail.locator('h2').textContent(), XSS.title);
  assert.equal(await detail.locator('[data-field="description"]').textContent(), XSS.description);
  assert.match(
    await detail.locator('[data-field="notes"]').textContent(),
    /onerror=window.__xss=4><\/script>/,
  );
  assert.match(await detail.locator('.meta').first().textContent(), /by <img src=x onerror=window.__xss=5>/);
  await detail.locator('#detail-history li').first().waitFor();
  assert.match(
    await detail.locator('#detail-history').textContent(),
    /by <img src=x onerror=window.__xss=5>/,
  );
  await detail.locator('#detail-brief summary').click();
  await page.waitForFunction(() =>
    /# Task t-/.test(document.getElementById('detail-brief-text').textContent),
  );
  await noMarkupRan(page);
  await detail.getByRole('button', { name: 'Close' }).click();
  await detail.waitFor({ state: 'hidden' });

  // An event changes one task in the page: that task is fetched, the board list is not fetched again.
  const listed = fetched.filter((r) => r === 'GET /api/tasks').length;
  assert.equal(listed, 1);
  orcJson(dir, ['t', 'complete', b.id, 'orders API live', '--agent', 'ada']);
  await card(b.id).and(page.locator('.done')).waitFor({ timeout: 10_000 });
  await card(c.id).locator('.chip.ready').waitFor();
  const added = orcJson(dir, ['t', 'add', 'backend', 'Added from the CLI'], {
    env: { ORC_ACTOR: XSS.actor },
  });
  await card(added.id).waitFor({ timeout: 10_000 });
  assert.equal(fetched.filter((r) => r === 'GET /api/tasks').length, listed, 'no reload of the whole board');
  assert.ok(fetched.includes(`GET /api/tasks/${b.id}`) && fetched.includes(`GET /api/tasks/${added.id}`));
  await page.locator('#events li', { hasText: XSS.actor }).first().waitFor();
  await noMarkupRan(page);
  assert.deepEqual(errors, []);
});

test('the dashboard acts on tasks and runs through the API: add, claim, release, re-prioritise, cancel, reopen, note, start a run', {
  skip,
}, async (t) => {
  const browser = await openBrowser(t);
  const { dir } = runWorkspace(t, GATED_FLOW, REVIEWER_AGENT);
  const { a, d } = seedBoard(dir);
  const { url } = await startServe(t, dir);
  const { page, errors } = await openDashboard(browser, url);
  const detail = page.locator('#detail');
  // Each action's answer re-renders the panel: once it shows, the workspace has the change.
  const show = (id) => orcJson(dir, ['t', 'show', id]);

  // Add: a task with a dependency, a priority and tags, from the form.
  await page.getByRole('button', { name: 'Add task' }).click();
  await page.locator('#add-ws').fill('backend');
  await page.locator('#add-title').fill('Added in the page');
  await page.locator('#add-description').fill('from the <form>');
  await page.locator('#add-priority').selectOption('2');
  await page.locator('#add-deps').fill(a.id);
  await page.locator('#add-tags').fill('ui web');
  await page.locator('#add-form button[type=submit]').click();
  await detail.locator('h2', { hasText: 'Added in the page' }).waitFor();
  const added = orcJson(dir, ['t', 'list', '--search', 'Added in the page'])[0];
  assert.deepEqual(
    [added.description, added.priority, added.deps, added.tags],
    ['from the <form>', 2, [a.id], ['ui', 'web']],
  );

  // Claim, release, re-prioritise, note, cancel with a reason, reopen: each reaches the workspace.
  await page.locator(`#board .task[data-task="${d.id}"]`).click();
  await detail.locator('h2', { hasText: 'Seed the data' }).waitFor();
  await detail.getByLabel('agent to claim for').fill('ben');
  await detail.getByRole('button', { name: 'Claim' }).click();
  await detail.getByRole('button', { name: 'Release' }).waitFor();
  assert.equal(show(d.id).claim.agent, 'ben');
  await page.locator('#agents [data-agent="ben"] [data-holds]').waitFor();
  await detail.getByRole('button', { name: 'Release' }).click();
  await detail.getByRole('button', { name: 'Claim' }).waitFor();
  assert.deepEqual([show(d.id).status, show(d.id).claim], ['open', null]);
  await detail.getByLabel('priority').selectOption('0');
  await detail.getByRole('button', { name: 'Set priority' }).click();
  await detail.locator('.meta', { hasText: 'priority 0' }).waitFor();
  assert.equal(show(d.id).priority, 0);
  await detail.getByLabel('note').fill('start with <b>users</b>');
  await detail.getByRole('button', { name: 'Add note' }).click();
  await detail.locator('[data-field="notes"]', { hasText: 'start with <b>users</b>' }).waitFor();
  assert.equal(show(d.id).notes[0].text, 'start with <b>users</b>');
  await detail.getByLabel('reason for cancelling').fill('not needed');
  await detail.getByRole('button', { name: 'Cancel task' }).click();
  await detail.getByRole('button', { name: 'Reopen' }).waitFor();
  assert.deepEqual([show(d.id).status, show(d.id).reason], ['cancelled', 'not needed']);
  await detail.getByRole('button', { name: 'Reopen' }).click();
  await detail.getByRole('button', { name: 'Cancel task' }).waitFor();
  assert.equal(show(d.id).status, 'open');
  const history = await detail.locator('#detail-history').textContent();
  for (const type of [
    'task.claimed',
    'task.released',
    'task.updated',
    'task.note',
    'task.cancelled',
    'task.reopened',
  ])
    assert.match(history, new RegExp(type.replace('.', '\\.')), type);
  // A refused action says why in the panel.
  await detail.getByLabel('agent to claim for').fill('nobody-here');
  await detail.getByRole('button', { name: 'Claim' }).click();
  await detail.locator('#detail-error').waitFor();
  assert.match(await detail.locator('#detail-error').textContent(), /nobody-here/);
  await detail.getByRole('button', { name: 'Close' }).click();

  // Start a run: it shows with its DAG (two steps, one edge), waits at its gate; its board tasks stay
  // off the board.
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.locator('#run-task').fill('ship the notes');
  await page.locator('#run-flow').fill('gated');
  await page.locator('#run-form button[type=submit]').click();
  const run = page.locator('#runs .run').first();
  await run.locator('.gate').waitFor({ timeout: 15_000 });
  const runId = await run.getAttribute('data-run');
  assert.equal(await run.locator('.graph .node').count(), 2);
  assert.equal(await run.locator('.graph .edge').count(), 1);
  assert.equal(await run.locator('.graph .node.waiting_approval').count(), 1);
  assert.equal(
    await page.locator('#board [data-workstream^="run-"]').count(),
    0,
    'run steps stay off the board',
  );
  await run.getByRole('button', { name: 'Approve' }).click();
  await waitForHttpRun(url, runId, (r) => r.status === 'complete');
  // A finished run is collapsed: its head shows, its steps do not.
  await page.locator(`#runs [data-run="${runId}"] .run-head .badge.complete`).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator(`#runs [data-run="${runId}"]`).getAttribute('open'), null);
  assert.equal(await page.locator(`#runs [data-run="${runId}"] .graph`).isVisible(), false);
  await noMarkupRan(page);
  assert.deepEqual(errors, []);
});

test('the dashboard at 390 px wide has no sideways scroll; dark mode follows the system and the toggle', {
  skip,
}, async (t) => {
  const browser = await openBrowser(t);
  const dir = tempWorkspace(t);
  const { b } = seedBoard(dir);
  const { url } = await startServe(t, dir);
  const { page, errors } = await openDashboard(browser, url, {
    viewport: { width: 390, height: 844 },
    colorScheme: 'dark',
  });
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok((await fits()) <= 390, `board: ${await fits()}`);
  await page.locator(`#board .task[data-task="${b.id}"]`).click();
  await page.locator('#detail h2').waitFor();
  assert.ok((await fits()) <= 390, `detail: ${await fits()}`);
  await page.locator('#detail').getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Add task' }).click();
  assert.ok((await fits()) <= 390, `add form: ${await fits()}`);

  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await background();
  assert.equal(dark, 'rgb(17, 20, 24)', 'dark by the system setting');
  await page.getByRole('button', { name: 'toggle dark mode' }).click();
  await page.waitForFunction((before) => getComputedStyle(document.body).backgroundColor !== before, dark);
  assert.equal(await background(), 'rgb(246, 247, 249)', 'light by the toggle');
  // The choice is kept across a reload.
  await page.reload();
  await page.locator('#board .ws-row').first().waitFor();
  assert.equal(await background(), 'rgb(246, 247, 249)');
  assert.deepEqual(errors, []);
});
