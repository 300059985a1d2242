// OpenAI images through the official client against a fake OpenAI API; the base64 answer lands in
// the real media store (files + Postgres) and only a reference comes back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFsBlobStore } from '../../src/media/fsStore';
import { createMediaLibrary } from '../../src/media/library';
import type { MediaLibrary } from '../../src/media/types';
import { ProviderError } from '../../src/providers/errors';
import { OpenAIImagesProvider } from '../../src/providers/openaiImages';
import type { MediaRequest, MediaSink } from '../../src/providers/types';
import { testDatabase, type TestDatabase } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAI';
import { buildAccount, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';

describe('OpenAI images (official client against a fake OpenAI API, into the media store)', () => {
  let database: TestDatabase;
  let fake: FakeOpenAI;
  let dir: string;
  let library: MediaLibrary & { store: { get(sha256: string): Promise<NodeJS.ReadableStream> } };
  let sink: MediaSink;
  let provider: OpenAIImagesProvider;

  before(async () => {
    [database, fake, dir] = await Promise.all([testDatabase(), startFakeOpenAI(), mkdtemp(path.join(tmpdir(), 'openai-images-'))]);
    library = createMediaLibrary({ db: database.prisma, store: createFsBlobStore(dir), maxBytes: 10 * 1024 * 1024 });
    const account = await buildAccount(database.prisma);
    const workflow = await buildWorkflow(database.prisma, account.id, chain([{ id: 'art', type: 'image-generation' }], 'art'));
    const owner = { executionId: await buildUnstartedExecution(database.prisma, account.id, workflow.id) };
    sink = { save: (body, meta) => library.save(body, meta, owner), download: (url, meta, headers) => library.download(url, meta, owner, headers ? { headers } : {}) };
    provider = new OpenAIImagesProvider({ baseUrl: fake.baseUrl, apiKey: 'test-key' });
  });
  after(async () => Promise.all([database?.drop(), fake?.close(), dir ? rm(dir, { recursive: true, force: true }) : undefined]));

  const request = (model: string, params: Record<string, unknown> = {}): MediaRequest => ({
    model, kind: 'image', prompt: 'a red bicycle', params, config: {}, attempt: 1, signal: new AbortController().signal, media: sink,
  });

  it('stores gpt-image-1’s base64 image and returns a reference to the stored bytes', async () => {
    const result = await provider.generate(request('gpt-image-1', { width: 1536, height: 1000 }));
    assert.equal(result.type, 'stored');
    assert.ok(result.type === 'stored');
    const sent = fake.imageRequests().at(-1)!.body!;
    assert.deepEqual([sent.model, sent.size, sent.response_format], ['gpt-image-1', '1536x1024', undefined]);
    const row = await database.prisma.media.findUniqueOrThrow({ where: { id: result.ref.mediaId } });
    assert.equal(row.mimeType, 'image/png');
    const chunks: Buffer[] = [];
    for await (const chunk of await library.store.get(result.ref.sha256)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), result.ref.sha256);
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  });

  it('asks dall-e-3 for b64_json at one of its sizes', async () => {
    const result = await provider.generate(request('dall-e-3', { width: 900, height: 1600 }));
    assert.equal(result.type, 'stored');
    const sent = fake.imageRequests().at(-1)!.body!;
    assert.deepEqual([sent.model, sent.size, sent.response_format], ['dall-e-3', '1024x1792', 'b64_json']);
  });

  it('classifies the API’s refusals and outages', async () => {
    fake.failNext(400);
    await assert.rejects(provider.generate(request('gpt-image-1')), (err: unknown) => err instanceof ProviderError && err.type === 'ProviderRejected');
    fake.failNext(503);
    await assert.rejects(provider.generate(request('gpt-image-1')), (err: unknown) => err instanceof ProviderError && err.type === 'ProviderUnavailable');
    await assert.rejects(new OpenAIImagesProvider({}).generate(request('gpt-image-1')), /OPENAI_API_KEY is not configured/);
  });
});
