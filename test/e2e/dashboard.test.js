// The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CHROMIUM, launchChromium } from '../../scripts/chromium.js';
import { orcJson } from '../helpers.js';
import { GATED_FLOW, REVIEWER_AGENT, TOKEN, call, startServe, waitForHttpRun } from '../http-helpers.js';
import { runWorkspace } from '../run-helpers.js';

// Skipped only on a developer's machine without Chromium; under CI a missing browser fails the test.
const skip =
  existsSync(CHROMIUM) || process.env.CI
    ? false
    : `${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`;

// Opened first in each test: hooks run in the order they were added and stop at the first that throws,
// so the browser closes (and its page stops asking the server) before the workspace is removed.
async function browserPage(t) {
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    return dialog.dismiss();
  });
  return { page, errors };
}

test('the dashboard: live board, a gate approved from the page, user text rendered as text', {
  skip,
}, async (t) => {
  const { page, errors } = await browserPage(t);
  const { dir } = runWorkspace(t, GATED_FLOW, REVIEWER_AGENT);
  orcJson(dir, ['ws', 'create', 'backend', 'API and storage', '1']);
  const xssTitles = ['<img src=x onerror=window.__xss=1>', `"'><script>window.__xss=2</script>`];
  for (const title of xssTitles) orcJson(dir, ['t', 'add', 'backend', title]);
  orcJson(dir, ['a', 'register', 'ada', 'worker']);
  orcJson(dir, ['lock', 'acquire', 'src/db', 'ada']);
  const { url } = await startServe(t, dir);
  const started = await call(url, '/api/runs', { body: { task: 'ship the release notes', flow: 'gated' } });
  const runId = started.body.id;
  await waitForHttpRun(url, runId, (r) => r.status === 'waiting_approval');

  await page.goto(`${url}/#token=${TOKEN}`);
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await page.locator('.pill.live').waitFor({ timeout: 10_000 });
  const board = page.locator('#board');
  await board.locator('[data-workstream="backend"]').waitFor();
  // Injected markup stays text: the cards show it verbatim and no element or script came from it.
  const titles = await board.locator('[data-workstream="backend"] .task .title').allTextContents();
  assert.deepEqual(titles.sort(), [...xssTitles].sort());
  assert.equal(await board.locator('img').count(), 0);
  assert.equal(await page.locator('#board script').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.match(await page.locator('#agents').textContent(), /ada[\s\S]*live/);
  assert.match(await page.locator('#locks').textContent(), /src\/db[\s\S]*ada/);

  // A task added by the CLI after the page loaded shows up without a reload.
  orcJson(dir, ['t', 'add', 'backend', 'Added from the CLI']);
  await board.getByText('Added from the CLI').waitFor({ timeout: 5_000 });

  const run = page.locator(`[data-run="${runId}"]`);
  await run.locator('.gate').waitFor();
  assert.match(await run.locator('.gate pre').textContent(), /write a draft/, 'the held output is shown');
  await run.getByRole('button', { name: 'Approve' }).click();
  await waitForHttpRun(url, runId, (r) => r.status === 'complete');
  await run.locator('.run-head .badge.complete').waitFor({ timeout: 10_000 });
  assert.equal(orcJson(dir, ['run', 'status', runId]).steps[0].decision.decision, 'approved');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
});

test('the dashboard rejects a gate with a reason typed into the page; a wrong token asks again', {
  skip,
}, async (t) => {
  const { page, errors } = await browserPage(t);
  const { dir } = runWorkspace(t, GATED_FLOW, REVIEWER_AGENT);
  const { url } = await startServe(t, dir);
  const started = await call(url, '/api/runs', { body: { task: 'risky change', flow: 'gated' } });
  await waitForHttpRun(url, started.body.id, (r) => r.status === 'waiting_approval');
  await page.goto(`${url}/#token=wrong-token-0123456789`);
  await page.locator('#login').waitFor({ state: 'visible' });
  assert.match(await page.locator('#login-error').textContent(), /not accepted/);
  await page.locator('#token-input').fill(TOKEN);
  await page.locator('#login-form button').click();
  const run = page.locator(`[data-run="${started.body.id}"]`);
  await run.getByRole('button', { name: 'Reject…' }).click();
  await run.locator('.gate input').fill('needs a <b>second</b> look');
  await run.getByRole('button', { name: 'Reject', exact: true }).click();
  const failed = await waitForHttpRun(url, started.body.id, (r) => r.status === 'failed');
  assert.equal(failed.steps[0].decision.note, 'needs a <b>second</b> look');
  await run.locator('.run-head .badge.failed').waitFor({ timeout: 10_000 });
  assert.match(await run.textContent(), /needs a <b>second<\/b> look/, 'the reason shows as typed');
  assert.deepEqual(errors, []);
});
