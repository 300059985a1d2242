// The API reference page (/docs, Scalar) in a real browser (Debian's Chromium through playwright-core):
// it renders /openapi.json, its "try it" sends a request to this server, and nothing is fetched from
// another host (the content security policy blocks what Scalar's bundle would fetch from its vendor).
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

  it('renders the document with “try it”, sends a tried request to this server, and fetches nothing from another host', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const loaded: string[] = [];
    const pageErrors: string[] = [];
    page.on('requestfinished', (request) => loaded.push(request.url()));
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${api.url}/docs`);
    await page.getByText('Builder Studio run engine API', { exact: true }).first().waitFor({ timeout: 90_000 });
    for (const tag of ['Workflows', 'Executions', 'Admin', 'MCP']) await page.getByText(tag, { exact: true }).first().waitFor();
    await page.screenshot({ path: artifactPath('api-docs.png') });

    // Try it: the first operation shown is the admin API's "Create an account"; sent without a token it gets 401.
    const tried = page.waitForRequest((request) => request.url() === `${api.url}/admin/accounts` && request.method() === 'POST', { timeout: 60_000 });
    await page.getByRole('button', { name: /test request/i }).first().click();
    await page.getByRole('button', { name: /^send/i }).first().click();
    await tried;
    await page.screenshot({ path: artifactPath('api-docs-try-it.png') });
    await page.close();

    const foreign = loaded.filter((url) => !url.startsWith(`${api.url}/`) && !url.startsWith('data:') && !url.startsWith('blob:'));
    assert.deepEqual(foreign, [], 'nothing was loaded from another host');
    assert.ok(loaded.includes(`${api.url}/openapi.json`), 'the page read /openapi.json');
    assert.deepEqual(pageErrors, []);
  });
});
