// The run viewer in a real browser (Debian's Chromium through playwright-core) against a real API,
// Temporal and Postgres: live statuses and streamed text, media, cancel, replay from a node, and
// the page's handling of tokens. Screenshots land in .artifacts/ (a CI artifact folder).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { CanvasGraph } from '../../src/domain/types';
import { EventHub } from '../../src/events/hub';
import { signViewToken } from '../../src/services/viewTokens';
import { startTestApi, type TestApi } from '../support/api';
import { artifactPath, ensureViewerBuilt, launchChromium } from '../support/browser';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

// The functions passed to page.evaluate/waitForFunction run in the page; this program has no DOM types.
declare const document: any;
type HTMLElement = any;
type HTMLImageElement = any;

/** input → outline → draft → image → output; the sandbox knobs make it run for several seconds. */
const LIVE_GRAPH: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', name: 'Request Input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'outline', type: 'text-generation', name: 'Outline', config: { model: 'sandbox-text', prompt: 'Outline {{topic}}.', sandbox: { delayMs: 2500, tokenDelayMs: 40 } } },
    { id: 'draft', type: 'text-generation', name: 'Draft', config: { model: 'sandbox-text', prompt: 'Expand: {{outline}}', sandbox: { tokenDelayMs: 80 } } },
    { id: 'image', type: 'image-generation', name: 'Illustration', config: { model: 'sandbox-image', prompt: 'Art for {{draft}}', width: 96, height: 64, sandbox: { delayMs: 1000 } } },
    { id: 'output', type: 'response-output', name: 'Response', config: { wrap: true } },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'outline', targetPort: 'topic' },
    { source: 'outline', sourcePort: 'text', target: 'draft', targetPort: 'outline' },
    { source: 'draft', sourcePort: 'text', target: 'image', targetPort: 'draft' },
    { source: 'draft', sourcePort: 'text', target: 'output', targetPort: 'text' },
    { source: 'image', sourcePort: 'image', target: 'output', targetPort: 'image' },
  ],
};

/** input → a step that waits a minute → output: long enough to cancel. */
const SLOW_GRAPH: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', name: 'Request Input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'slow', type: 'text-generation', name: 'Slow writer', config: { model: 'sandbox-text', prompt: '{{topic}}', sandbox: { delayMs: 60_000 } } },
    { id: 'output', type: 'response-output', name: 'Response', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'slow', targetPort: 'topic' },
    { source: 'slow', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};

/** input → a caption, an image and a video → a Response Output with those three inputs. */
const MEDIA_GRAPH: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', name: 'Request Input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'caption', type: 'text-generation', name: 'Caption', config: { model: 'sandbox-text', prompt: 'Caption {{topic}}.' } },
    { id: 'poster', type: 'image-generation', name: 'Poster', config: { model: 'sandbox-image', prompt: 'Poster of {{topic}}', width: 96, height: 64 } },
    { id: 'clip', type: 'video-generation', name: 'Clip', config: { model: 'sandbox-video', prompt: 'Clip of {{topic}}', width: 96, height: 64, durationMs: 1000 } },
    { id: 'output', type: 'response-output', name: 'Response', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'caption', targetPort: 'topic' },
    { source: 'input', sourcePort: 'topic', target: 'poster', targetPort: 'topic' },
    { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
    { source: 'caption', sourcePort: 'text', target: 'output', targetPort: 'caption' },
    { source: 'poster', sourcePort: 'image', target: 'output', targetPort: 'poster' },
    { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'clip' },
  ],
};

/** input → a step the sandbox rejects → output, which is then skipped. */
const FAILING_GRAPH: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', name: 'Request Input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'bad', type: 'text-generation', name: 'Rejected', config: { model: 'sandbox-text', prompt: '{{topic}}', sandbox: { reject: true } } },
    { id: 'output', type: 'response-output', name: 'Response', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'bad', targetPort: 'topic' },
    { source: 'bad', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};

/** input → a cached sandbox image → output: the second run with the same input is answered by the output cache. */
const CACHED_GRAPH: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', name: 'Request Input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'poster', type: 'image-generation', name: 'Poster', config: { model: 'sandbox-image', prompt: 'Poster of {{topic}}', width: 96, height: 64, cache: { ttlSeconds: 600 } } },
    { id: 'output', type: 'response-output', name: 'Response', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'poster', targetPort: 'topic' },
    { source: 'poster', sourcePort: 'image', target: 'output', targetPort: 'image' },
  ],
};

/** Records every data-status each node shows, in order, from the first paint on. */
const RECORD_STATUSES = `
  window.__statuses = {};
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-node-id]')) {
      const seen = (window.__statuses[el.dataset.nodeId] ??= []);
      if (seen.at(-1) !== el.dataset.status) seen.push(el.dataset.status);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });`;

describe('run viewer in a browser', function () {
  let api: TestApi;
  let browser: Browser;
  let server: Server;
  let events: EventHub;
  let base: string;
  let key: string;
  let keyId: string;
  let accountId: string;
  let accountSecret: string;
  let liveSlug: string;
  let slowSlug: string;
  let mediaSlug: string;
  let failingSlug: string;
  let cachedSlug: string;
  const reader = executionReader(() => api, () => ({ 'x-api-key': key }));
  const node = (id: string, status?: string) => `[data-node-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;

  const start = async (slug: string) =>
    (await api.request('POST', `/api/workflows/${slug}/run?async=true`, { body: { inputs: { topic: 'tide pools' } }, headers: { 'x-api-key': key } })).body.executionId as string;
  const viewUrl = async (id: string, actions = true) => {
    const minted = await api.request('POST', `/api/executions/${id}/view-token`, { body: { actions }, headers: { 'x-api-key': key } });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    return base + minted.body.viewUrl;
  };
  const openPage = async (url: string, viewport = { width: 1400, height: 900 }): Promise<Page> => {
    const page = await browser.newPage({ viewport });
    await page.addInitScript(RECORD_STATUSES);
    await page.goto(url);
    return page;
  };

  before(async function () {
    this.timeout(300_000);
    ensureViewerBuilt();
    api = await startTestApi();
    // Our own app over the same engine, with the Temporal UI address the page links to.
    events = new EventHub(api.engine.databaseUrl);
    server = createServer(api.appWith({ events, viewer: { temporalUiUrl: 'http://127.0.0.1:8233', temporalNamespace: 'default' } }).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    const built = await buildApiKey(api.engine.db, account.id);
    key = built.secret;
    keyId = built.row.id;
    accountId = account.id;
    accountSecret = account.webhookSecret;
    liveSlug = (await buildWorkflow(api.engine.db, account.id, LIVE_GRAPH)).slug;
    slowSlug = (await buildWorkflow(api.engine.db, account.id, SLOW_GRAPH)).slug;
    mediaSlug = (await buildWorkflow(api.engine.db, account.id, MEDIA_GRAPH)).slug;
    failingSlug = (await buildWorkflow(api.engine.db, account.id, FAILING_GRAPH)).slug;
    cachedSlug = (await buildWorkflow(api.engine.db, account.id, CACHED_GRAPH)).slug;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await events?.close();
    await api?.close();
  });

  it('shows a running run live: a node goes pending → streaming → completed, its text streams in, the image appears', async () => {
    const id = await start(liveSlug);
    const page = await openPage(await viewUrl(id));
    await page.waitForURL((url) => url.hash === '' && url.pathname === `/runs/${id}`); // the token leaves the address bar
    await page.waitForSelector(node('draft', 'pending'));
    // Text shows while the step still streams, before its output is stored.
    await page.waitForFunction((sel) => {
      const el = document.querySelector(sel) as HTMLElement | null;
      return el?.dataset.status === 'streaming' && (el.querySelector('[data-output="text"]')?.textContent ?? '').length > 0;
    }, node('draft'), { timeout: 60_000 });
    await page.waitForSelector(node('draft', 'completed'), { timeout: 60_000 });
    assert.match(await page.textContent(`${node('draft')} [data-output="text"]`) ?? '', /\[sandbox\]/);
    const image = await page.waitForSelector(`${node('image', 'completed')} img[data-media="image"]`, { timeout: 60_000 });
    await page.waitForFunction((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, image);
    await page.waitForSelector('[data-run-status="completed"]', { timeout: 60_000 });

    const seen = (await page.evaluate('window.__statuses')) as Record<string, string[]>;
    const draft = seen.draft ?? [];
    assert.ok(draft.indexOf('pending') >= 0 && draft.indexOf('pending') < draft.indexOf('streaming') && draft.indexOf('streaming') < draft.indexOf('completed'), `draft showed ${draft.join(' → ')}`);
    assert.ok((seen.image ?? []).includes('running'), `image showed ${(seen.image ?? []).join(' → ')}`);
    assert.equal(await page.textContent('[data-fact="trigger"]'), 'api');
    assert.match((await page.getAttribute('[data-link="temporal"]', 'href')) ?? '', new RegExp(`^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/[^/]*${id}/[^/]+/history$`));
    await page.screenshot({ path: artifactPath('run-viewer.png') });
    await page.close();

    // A narrow window: the same run, laid out for a phone.
    const narrow = await openPage(await viewUrl(id), { width: 420, height: 800 });
    await narrow.waitForSelector(`${node('image')} img[data-media="image"]`);
    assert.ok(await narrow.isVisible('[data-action="cancel"]'));
    assert.ok(await narrow.isVisible('[data-action="replay"]'));
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no sideways scrolling');
    await narrow.screenshot({ path: artifactPath('run-viewer-narrow.png'), fullPage: true });
    await narrow.close();
  });

  it('marks a step answered from the output cache as a cache hit, naming the run that paid for it', async () => {
    const first = await start(cachedSlug);
    await reader.waitFor(first, ended);
    const second = await start(cachedSlug);
    assert.equal((await reader.waitFor(second, ended)).status, 'completed');
    const page = await openPage(await viewUrl(second));
    await page.waitForSelector('[data-run-status="completed"]', { timeout: 60_000 });
    const badge = await page.waitForSelector(`${node('poster', 'completed')} [data-role="cache-hit"]`);
    assert.equal((await badge.textContent())?.trim(), 'cache hit');
    assert.match((await badge.getAttribute('title')) ?? '', new RegExp(`from step poster of ${first}`));
    await page.waitForSelector(`${node('poster')} img[data-media="image"]`);
    assert.equal(await page.$(`${node('input')} [data-role="cache-hit"]`), null, 'only the cached step says so');
    await page.screenshot({ path: artifactPath('run-viewer-cache-hit.png') });
    await page.close();
  });

  it('cancels a running run from the page', async () => {
    const id = await start(slowSlug);
    const page = await openPage(await viewUrl(id));
    await page.waitForSelector(node('slow', 'running'), { timeout: 60_000 });
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-run-status="cancelled"]', { timeout: 60_000 });
    await page.waitForSelector(node('slow', 'skipped'));
    assert.equal(await page.isDisabled('[data-action="cancel"]'), true, 'nothing left to cancel');
    assert.equal((await reader.get(id)).status, 'cancelled');
    await page.close();
  });

  it('replays from a clicked node and lands on the new run, whose earlier nodes show "reused"', async () => {
    const id = await start(liveSlug);
    await reader.waitFor(id, ended);
    const page = await openPage(await viewUrl(id));
    await page.waitForSelector('[data-run-status="completed"]');
    await page.click(node('image'));
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(id)), page.click(`${node('image')} [data-action="replay-from"]`)]);
    const child = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.waitForSelector('[data-run-status="completed"]', { timeout: 60_000 });
    for (const earlier of ['input', 'outline', 'draft']) {
      await page.waitForSelector(`${node(earlier, 'completed')}[data-reused="true"]`);
      assert.equal(await page.textContent(`${node(earlier)} [data-role="reused"]`), 'reused');
    }
    assert.equal(await page.getAttribute(node('image'), 'data-reused'), 'false');
    assert.equal(await page.textContent('[data-link="parent"]'), id);
    assert.equal(await page.textContent('[data-fact="trigger"]'), 'replay');
    const replayed = await reader.get(child);
    assert.equal(replayed.parentExecutionId, id);
    assert.equal(replayed.fromStepId, 'image');

    // A full replay from the same page: nothing is reused.
    await Promise.all([page.waitForURL((url) => !url.pathname.endsWith(child)), page.click('[data-action="replay"]')]);
    await page.waitForSelector('[data-run-status="completed"]', { timeout: 60_000 });
    assert.equal(await page.locator('[data-reused="true"]').count(), 0);
    await page.close();
  });

  it('keeps a read-only link read-only, and refuses a token for another run or an expired one', async () => {
    const [a, b] = await Promise.all([start(slowSlug), start(slowSlug)]);
    const page = await openPage(await viewUrl(a, false));
    await page.waitForSelector(node('slow'));
    assert.equal(await page.isDisabled('[data-action="cancel"]'), true);
    assert.equal(await page.isDisabled('[data-action="replay"]'), true);
    await page.click(node('slow'));
    assert.equal(await page.locator('[data-action="replay-from"]').count(), 0);

    // The same tab's token (run a) opened on run b.
    await page.goto(`${base}/runs/${b}`);
    assert.match((await (await page.waitForSelector('[data-role="load-error"]')).textContent()) ?? '', /VIEW_TOKEN_SCOPE/);

    const expired = signViewToken(accountSecret, { a: accountId, k: keyId, x: a, act: false, exp: Math.floor(Date.now() / 1000) - 1 });
    await page.goto(`${base}/runs/${a}#token=${expired}`);
    assert.match((await (await page.waitForSelector('[data-role="load-error"]')).textContent()) ?? '', /VIEW_TOKEN_EXPIRED/);
    await page.close();
    for (const id of [a, b]) await api.request('POST', `/api/executions/${id}/cancel`, { headers: { 'x-api-key': key } });
  });

  it('plays the sandbox video (no player error) with a download link, labels each of the Response’s three inputs, and shows a skipped step’s reason once', async () => {
    const id = await start(mediaSlug);
    await reader.waitFor(id, ended);
    const page = await openPage(await viewUrl(id, false));
    await page.waitForSelector(node('output', 'completed'));
    const response = page.locator(node('output'));
    assert.deepEqual(await response.locator('[data-port]').evaluateAll((els) => els.map((el) => el.textContent).sort()), ['caption', 'clip', 'poster']);
    const video = response.locator('video[data-media="video"]');
    await page.waitForFunction(() => [...document.querySelectorAll('video[data-media="video"]')].every((v: any) => v.readyState >= 1 || v.error), undefined, { timeout: 30_000 });
    const players = await page.$$eval('video[data-media="video"]', (els) => els.map((v: any) => ({ error: v.error ? v.error.code : null, readyState: v.readyState, width: v.videoWidth, duration: v.duration })));
    assert.ok(players.length >= 1);
    for (const player of players) {
      assert.equal(player.error, null, 'the player has no error');
      assert.ok(player.readyState >= 1, `readyState ${player.readyState}`);
      assert.equal(player.width, 96);
    }
    const download = response.locator('[data-output-port="clip"] a[data-role="download"]');
    assert.match((await download.getAttribute('download')) ?? '', /\.mp4$/);
    const file = await fetch(new URL((await download.getAttribute('href'))!, base));
    assert.deepEqual([file.status, file.headers.get('content-type')], [200, 'video/mp4']);
    assert.ok(await video.isVisible());
    await page.screenshot({ path: artifactPath('run-viewer-media.png') });
    await page.close();

    const failed = await start(failingSlug);
    await reader.waitFor(failed, ended);
    const failedPage = await openPage(await viewUrl(failed, false));
    await failedPage.waitForSelector(node('output', 'skipped'));
    assert.equal(await failedPage.locator(`${node('output')} [data-role="step-error"]`).textContent(), 'Skipped: the run failed.');
    await failedPage.close();
  });

  it('lists runs newest first with filters, each linking to its page', async () => {
    const minted = await api.request('POST', '/api/executions/view-token', { body: {}, headers: { 'x-api-key': key } });
    const page = await openPage(base + minted.body.viewUrl);
    await page.waitForSelector('tr[data-execution-id]');
    const ids = await page.$$eval('tr[data-execution-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.executionId));
    const newest = await api.engine.db.execution.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true } });
    assert.deepEqual(ids, newest.map((e) => e.id));
    await page.selectOption('[data-filter="trigger"]', 'replay');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr[data-execution-id]')];
      return rows.length > 0 && rows.every((r) => r.querySelector('td:nth-child(4)')?.textContent === 'replay');
    });
    assert.match(page.url(), /\/runs\?trigger=replay$/);
    await page.screenshot({ path: artifactPath('run-viewer-list.png') });
    await Promise.all([page.waitForURL(/\/runs\/ex_/), page.click('tr[data-execution-id] a')]);
    await page.waitForSelector('[data-node-id]');
    await page.close();
  });
});
