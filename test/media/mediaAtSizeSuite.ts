// Acceptance: media at real sizes travels by reference. A 20 MB image (sync) and a 150 MB video
// (async job) complete; their URLs serve exactly the stored bytes; Temporal history stays small;
// the process hosting the worker grows by under 100 MB; a replay reuses stored media.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { CanvasGraph } from '../../src/domain/types';
import type { TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

const MB = 1024 * 1024;

/**
 * Runs the shared media acceptance suite against the API `start` gives (fs store or S3).
 * `rssBound`: assert the run's RSS growth under 100 MB (never with S3: the in-process S3 server shares the figure).
 */
export function mediaAtSizeSuite(title: string, start: () => Promise<TestApi>, { rssBound }: { rssBound: boolean }): void {
  describe(title, function () {
    this.timeout(240_000);
    let api: TestApi;
    let key: string;
    before(async () => {
      api = await start();
      const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 100_000 });
      key = (await buildApiKey(api.engine.db, account.id)).secret;
    });
    after(async () => api?.close());
    const auth = () => ({ 'x-api-key': key });
    const { get, waitFor } = executionReader(() => api, auth);

    const mediaGraph = (type: string, port: string, config: Record<string, unknown>): CanvasGraph => ({
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'gen', type, config: { prompt: `${type} ${Math.random()} of {{topic}}`, ...config } },
        { id: 'caption', type: 'template', config: { template: 'Made {{media.mimeType}} ({{media.sizeBytes}} bytes)' } },
        { id: 'output', type: 'response-output', config: { wrap: true } },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'gen', targetPort: 'topic' },
        { source: 'gen', sourcePort: port, target: 'caption', targetPort: 'media' },
        { source: 'gen', sourcePort: port, target: 'output', targetPort: 'media' },
        { source: 'caption', sourcePort: 'text', target: 'output', targetPort: 'caption' },
      ],
    });

    /** Streams a URL and hashes it (never holding it whole). */
    async function download(url: string): Promise<{ status: number; sha256: string; bytes: number; contentType: string | null }> {
      const response = await fetch(url);
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.byteLength;
      }
      return { status: response.status, sha256: hash.digest('hex'), bytes, contentType: response.headers.get('content-type') };
    }

    /** The run's Temporal history, encoded as the server stores it. */
    async function historyBytes(executionId: string): Promise<number> {
      const { temporalWorkflowId } = await api.engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
      const history = await api.engine.env.client.workflow.getHandle(temporalWorkflowId).fetchHistory();
      return temporal.api.history.v1.History.encode(history).finish().length;
    }

    /** Asserts that no base64 media and no bytes travel in the run's history or its rows. */
    async function assertByReference(executionId: string, sizeBytes: number): Promise<void> {
      const size = await historyBytes(executionId);
      console.log(`      history of ${executionId}: ${(size / 1024).toFixed(1)} KB`);
      assert.ok(size < 64 * 1024, `history is ${size} bytes`);
      const row = await api.engine.db.execution.findUniqueOrThrow({ where: { id: executionId }, include: { steps: true } });
      const stored = JSON.stringify([row.output, row.plan, row.steps.map((step) => step.output)]);
      assert.ok(stored.length < 20_000, 'rows hold references only');
      assert.equal(/base64|dataUrl/.test(stored), false);
      assert.ok(sizeBytes > 64 * 1024);
    }

    // The 150 MB run goes first so the RSS figure is not inflated by what earlier tests left behind.
    it(`runs an async 150 MB sandbox video job${rssBound ? ' streamed end to end (RSS grows by under 100 MB)' : ''}; its URL serves exactly those bytes`, async () => {
      const sizeBytes = 150 * MB;
      const accountId = (await api.engine.db.apiKey.findFirstOrThrow()).accountId;
      const workflow = await buildWorkflow(api.engine.db, accountId, mediaGraph('video-generation', 'video', { sandbox: { sizeBytes, delayMs: 100 }, pollAfterMs: 5_000, pollIntervalMs: 5_000 }));
      const jobs = api.engine.sandboxMedia.jobsStarted;
      const startRss = process.memoryUsage().rss;
      let peakRss = startRss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      let execution: any;
      try {
        const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
        assert.equal(response.status, 202, JSON.stringify(response.body));
        execution = await waitFor(response.body.executionId, ended, 180_000);
      } finally {
        clearInterval(sampler);
      }
      console.log(`      RSS of the process hosting the worker: ${(startRss / MB).toFixed(0)} MB before the 150 MB run, ${(peakRss / MB).toFixed(0)} MB at its peak`);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      // The run's own footprint: a 150 MB file held in memory anywhere (provider, store, activity) breaks this.
      if (rssBound) assert.ok(peakRss - startRss < 100 * MB, `RSS grew by ${peakRss - startRss} bytes during the run`);
      // The absolute figure of a worker process alone: test/media/worker-rss.test.ts.
      assert.equal(api.engine.sandboxMedia.jobsStarted, jobs + 1);
      const video = execution.output.media;
      assert.equal(video.sizeBytes, sizeBytes);
      assert.equal(video.mimeType, 'video/mp4');
      const served = await download(video.url);
      assert.deepEqual(served, { status: 200, sha256: video.sha256, bytes: sizeBytes, contentType: 'video/mp4' });
      await assertByReference(execution.id, sizeBytes);
    });

    it('runs a sync 20 MB sandbox image; its URL serves exactly those bytes and history stays under 64 KB', async () => {
      const sizeBytes = 20 * MB;
      const workflow = await buildWorkflow(api.engine.db, (await api.engine.db.apiKey.findFirstOrThrow()).accountId, mediaGraph('image-generation', 'image', { width: 2048, height: 2048, sandbox: { sizeBytes } }));
      const response = await api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'kettles' } }, headers: auth() });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const image = response.body.output.media;
      assert.equal(image.sizeBytes, sizeBytes);
      assert.deepEqual([image.mimeType, image.width, image.height], ['image/png', 2048, 2048]);
      assert.equal(response.body.output.caption, `Made image/png (${sizeBytes} bytes)`);
      const served = await download(image.url);
      assert.deepEqual(served, { status: 200, sha256: image.sha256, bytes: sizeBytes, contentType: 'image/png' });
      await assertByReference(response.body.executionId, sizeBytes);
    });

    it('replays from a step after a media step reusing the stored media: no second provider call, same mediaId', async () => {
      const accountId = (await api.engine.db.apiKey.findFirstOrThrow()).accountId;
      const workflow = await buildWorkflow(api.engine.db, accountId, mediaGraph('image-generation', 'image', { sandbox: { sizeBytes: 2 * MB } }));
      const first = await api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'owls' } }, headers: auth() });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const images = api.engine.sandbox.calls.image;
      const replay = await api.request('POST', `/api/executions/${first.body.executionId}/replay`, { body: { fromStepId: 'caption' }, headers: auth() });
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      const replayed = await waitFor(replay.body.executionId, ended);
      assert.equal(replayed.status, 'completed');
      assert.equal(api.engine.sandbox.calls.image, images, 'the image was not generated again');
      assert.equal(replayed.steps.find((step: any) => step.id === 'gen').reused, true);
      assert.equal(replayed.output.media.mediaId, first.body.output.media.mediaId);
      assert.equal((await download(replayed.output.media.url)).sha256, first.body.output.media.sha256);
      const links = await api.engine.db.executionMedia.findMany({ where: { executionId: replayed.id } });
      assert.deepEqual(links.map((link) => link.mediaId), [first.body.output.media.mediaId], 'the replay keeps the media it reuses');
      void get;
    });
  });
}
