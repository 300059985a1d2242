// The API reference page (/docs) in a real browser (Debian's Chromium through playwright-core): its
// first screen shows the operations, the document renders without a problem, "try it" sends a request
// to this server, and no request leaves for another host (none is even attempted).
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestApi, type TestApi } from '../support/api';
import { artifactPath, launchChromium } from '../support/browser';

describe('API reference page in a browser', function () {
  let api: TestApi;
  let browser: Browser;

  before(async () => {
    api = await startTestApi();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows operation names on its first screen, renders the document without problems, tries a request on this server, and asks no other host for anything', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requested: string[] = [];
    const complaints: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (err) => complaints.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') complaints.push(message.text());
    });
    const started = Date.now();
    await page.goto(`${api.url}/docs`);
    // The first viewport: the reference itself, not placeholders.
    const inView = async (locator: ReturnType<typeof page.locator>) => {
      const box = await locator.boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= 900 && box.x >= 0 && box.x < 1400;
    };
    for (const name of ['Run a workflow', 'List the workflows your key may run', 'A run and its steps']) {
      assert.ok(await inView(page.locator('nav a', { hasText: name }).first()), `"${name}" in the first viewport's navigation`);
    }
    assert.ok(await inView(page.locator('main section.op h2').first()), 'the first operation is in the first viewport');
    const firstScreenMs = Date.now() - started;
    assert.equal(await page.locator('body').getAttribute('data-validation'), 'ok');
    assert.equal(await page.locator('.problems').count(), 0);
    await page.screenshot({ path: artifactPath('api-docs.png') });

    // Try it: the workflow list without a key answers 401 on this server.
    const section = page.locator('section[data-path="/api/workflows"][data-method="get"]');
    const tried = page.waitForResponse((response) => response.url() === `${api.url}/api/workflows`);
    await section.locator('summary', { hasText: 'Try it' }).click();
    await section.getByRole('button', { name: 'Send' }).click();
    assert.equal((await tried).status(), 401);
    await section.locator('[data-answer][data-status="401"]').waitFor();
    assert.match((await section.locator('[data-answer]').textContent()) ?? '', /UNAUTHORIZED/);
    await page.screenshot({ path: artifactPath('api-docs-try-it.png') });
    await page.close();

    const foreign = requested.filter((url) => !url.startsWith(`${api.url}/`) && !url.startsWith('data:'));
    assert.deepEqual(foreign, [], 'no request for another host');
    // Not counted as a complaint: the 401 the tried request was meant to get.
    assert.deepEqual(complaints.filter((text) => !/status of 401/.test(text)), []);
    console.log(`      /docs first screen with operations in ${firstScreenMs} ms`);
  });
});
