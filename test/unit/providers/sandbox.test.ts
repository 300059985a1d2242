import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { ProviderError } from '../../../src/providers/errors';
import { SandboxProvider } from '../../../src/providers/sandbox';
import { SANDBOX_RENDERERS, type RenderRequest } from '../../../src/providers/sandboxRender';
import type { MediaKind, MediaRequest, TextRequest } from '../../../src/providers/types';

function textRequest(prompt: string, overrides: Partial<TextRequest> = {}): TextRequest {
  return { model: 'sandbox-text', config: {}, attempt: 1, signal: new AbortController().signal, prompt, onToken: () => undefined, ...overrides };
}

/** A media request whose calls fail before anything is stored (the sink refuses every write). */
function failingImageRequest(prompt: string, overrides: Partial<MediaRequest> = {}): MediaRequest {
  const refuse = async () => assert.fail('nothing is stored when the call fails');
  return { model: 'sandbox-image', kind: 'image', params: {}, config: {}, attempt: 1, signal: new AbortController().signal, prompt, media: { save: refuse, download: refuse }, ...overrides };
}

async function render(kind: MediaKind, request: RenderRequest) {
  const { meta, body } = SANDBOX_RENDERERS[kind](request);
  const chunks: Buffer[] = [];
  let largestChunk = 0;
  for await (const chunk of body) {
    largestChunk = Math.max(largestChunk, chunk.byteLength);
    chunks.push(Buffer.from(chunk));
  }
  return { meta, bytes: Buffer.concat(chunks), largestChunk };
}

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('SandboxProvider', () => {
  describe('text', () => {
    it('returns the same labelled text for the same prompt and different text for another prompt', async () => {
      const first = await new SandboxProvider().generateText(textRequest('Write a haiku about rivers'));
      const again = await new SandboxProvider().generateText(textRequest('Write a haiku about rivers'));
      const other = await new SandboxProvider().generateText(textRequest('Write a haiku about mountains'));
      assert.equal(first.text, again.text);
      assert.notEqual(first.text, other.text);
      assert.match(first.text, /^\[sandbox\] /);
      assert.ok(first.text.includes('Write a haiku about rivers'), 'the text echoes the prompt');
    });

    it('streams tokens in order and the tokens join into exactly the returned text', async () => {
      const tokens: string[] = [];
      const result = await new SandboxProvider({ tokenDelayMs: 1 }).generateText(textRequest('stream me', { onToken: (token) => tokens.push(token) }));
      assert.ok(tokens.length > 5, 'the text arrives as many tokens');
      assert.equal(tokens.join(''), result.text);
      assert.equal(result.tokens, tokens.length);
    });

    it('limits the generated words with maxTokens', async () => {
      const short = await new SandboxProvider().generateText(textRequest('p', { maxTokens: 3 }));
      const long = await new SandboxProvider().generateText(textRequest('p', { maxTokens: 40 }));
      assert.ok(short.tokens < long.tokens);
      assert.ok(long.text.startsWith(short.text), 'a longer answer extends the shorter one');
    });

    it('stops streaming promptly and rejects with an AbortError when the signal aborts', async () => {
      const controller = new AbortController();
      const tokens: string[] = [];
      const started = Date.now();
      const call = new SandboxProvider({ tokenDelayMs: 50 }).generateText(
        textRequest('abort me', {
          signal: controller.signal,
          onToken: (token) => {
            tokens.push(token);
            if (tokens.length === 2) controller.abort();
          },
        }),
      );
      await assert.rejects(call, { name: 'AbortError' });
      assert.ok(Date.now() - started < 500, 'rejects without waiting for the remaining tokens');
      const countAtAbort = tokens.length;
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(tokens.length, countAtAbort, 'no token is emitted after the abort');
      assert.equal(countAtAbort, 2);
    });

    it('aborts during the configured delay instead of waiting it out', async () => {
      const controller = new AbortController();
      const started = Date.now();
      const call = new SandboxProvider({ delayMs: 5_000 }).generateText(textRequest('slow', { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(call, { name: 'AbortError' });
      assert.ok(Date.now() - started < 1_000);
    });

    it('rethrows the abort reason so a cancellation keeps its own error', async () => {
      const controller = new AbortController();
      const reason = new Error('step cancelled');
      controller.abort(reason);
      await assert.rejects(new SandboxProvider().generateText(textRequest('x', { signal: controller.signal })), (err) => err === reason);
    });
  });

  describe('media files', () => {
    it('renders a valid PNG of the requested size, the same pixels for the same prompt and others for another', async () => {
      const fox = await render('image', { prompt: 'a red fox', width: 40, height: 24 });
      const png = PNG.sync.read(fox.bytes);
      assert.deepEqual([png.width, png.height], [40, 24]);
      assert.deepEqual(fox.meta, { mimeType: 'image/png', width: 40, height: 24 });
      assert.equal(sha(fox.bytes), sha((await render('image', { prompt: 'a red fox', width: 40, height: 24 })).bytes));
      assert.notDeepEqual(PNG.sync.read((await render('image', { prompt: 'an owl', width: 40, height: 24 })).bytes).data, png.data);
      assert.ok(new Set(png.data.filter((_, i) => i % 4 === 0)).size > 1, 'the image is a pattern, not a flat colour');
    });

    it('honours 2048x2048 instead of clamping it', async () => {
      const big = await render('image', { prompt: 'large', width: 2048, height: 2048 });
      const png = PNG.sync.read(big.bytes);
      assert.deepEqual([png.width, png.height], [2048, 2048]);
    });

    it('pads a PNG to exactly sizeBytes with chunks readers skip, streaming it in pieces of at most about 1 MB', async () => {
      const sizeBytes = 5 * 1024 * 1024 + 3;
      const padded = await render('image', { prompt: 'padded', sizeBytes });
      assert.equal(padded.bytes.length, sizeBytes);
      assert.ok(padded.largestChunk <= 1024 * 1024 + 12, `largest chunk ${padded.largestChunk}`);
      assert.deepEqual([PNG.sync.read(padded.bytes).width, PNG.sync.read(padded.bytes).height], [64, 64]);
    });

    it('renders an MP4 of H.264 frames (ftyp, moov before mdat, one sample per frame), padded to exactly sizeBytes', async () => {
      const video = await render('video', { prompt: 'a clip', width: 32, height: 24, durationMs: 500, sizeBytes: 2_000_000 });
      assert.equal(video.bytes.length, 2_000_000);
      assert.deepEqual(video.meta, { mimeType: 'video/mp4', width: 32, height: 24, durationMs: 500 });
      // Top-level boxes, their sizes adding up to the file.
      const boxes: Array<[string, number]> = [];
      for (let at = 0; at < video.bytes.length; at += video.bytes.readUInt32BE(at)) boxes.push([video.bytes.toString('ascii', at + 4, at + 8), video.bytes.readUInt32BE(at)]);
      assert.deepEqual(boxes.map(([type]) => type), ['ftyp', 'moov', 'free', 'mdat']);
      assert.equal(boxes.reduce((sum, [, size]) => sum + size, 0), 2_000_000);
      const stsz = video.bytes.indexOf('stsz');
      assert.equal(video.bytes.readUInt32BE(stsz + 12), 6, '6 samples (0.5 s at 12 fps)');
      const stco = video.bytes.indexOf('stco');
      const mdat = video.bytes.indexOf('mdat', video.bytes.indexOf('free'));
      assert.equal(video.bytes.readUInt32BE(stco + 12), mdat + 4, 'the chunk offset points at the first sample');
      assert.equal(video.bytes[mdat + 8]! & 0x1f, 5, 'each sample is an IDR slice (NAL type 5)');
      // Any size from the natural one up is reached exactly, also a few bytes over it (no room for a box).
      const natural = (await render('video', { prompt: 'a clip', width: 30, height: 22, durationMs: 500 })).bytes.length;
      for (const extra of [1, 7, 8, 9]) assert.equal((await render('video', { prompt: 'a clip', width: 30, height: 22, durationMs: 500, sizeBytes: natural + extra })).bytes.length, natural + extra);
    });

    it('renders a PCM WAV whose length, and so duration, follows sizeBytes', async () => {
      const audio = await render('audio', { prompt: 'hello there world', sizeBytes: 32_044 });
      assert.equal(audio.bytes.length, 32_044);
      assert.equal(audio.bytes.toString('ascii', 0, 4), 'RIFF');
      assert.equal(audio.bytes.toString('ascii', 8, 16), 'WAVEfmt ');
      assert.equal(audio.bytes.readUInt32LE(40), 32_000);
      assert.deepEqual(audio.meta, { mimeType: 'audio/wav', durationMs: 1_000 });
      const plain = await render('audio', { prompt: 'hello there world' });
      assert.equal(plain.meta.durationMs, 1_000, 'three words of 300 ms, at least a second');
    });
  });

  describe('simulated failures', () => {
    it('fails attempts 1..n as retryable with failFirstAttempts and succeeds on attempt n+1', async () => {
      const sandbox = new SandboxProvider();
      const config = { sandbox: { failFirstAttempts: 2 } };
      for (const attempt of [1, 2]) {
        await assert.rejects(sandbox.generateText(textRequest('flaky', { config, attempt })), (err: unknown) => {
          assert.ok(err instanceof ProviderError);
          assert.equal(err.type, 'ProviderUnavailable');
          assert.equal(err.message, `sandbox: simulated failure on attempt ${attempt}`);
          assert.equal(err.nonRetryable, false);
          return true;
        });
      }
      const result = await sandbox.generateText(textRequest('flaky', { config, attempt: 3 }));
      assert.match(result.text, /^\[sandbox\]/);
    });

    it('rejects every attempt as non-retryable with reject: true', async () => {
      const sandbox = new SandboxProvider();
      for (const attempt of [1, 5]) {
        await assert.rejects(sandbox.generate(failingImageRequest('nope', { config: { sandbox: { reject: true } }, attempt })), (err: unknown) => {
          assert.ok(err instanceof ProviderError);
          assert.equal(err.type, 'ProviderRejected');
          assert.equal(err.nonRetryable, true);
          return true;
        });
      }
    });

    it('fails as unavailable when the random draw falls under failureRate, and a node can override the rate', async () => {
      const draws = [0.1, 0.9];
      const sandbox = new SandboxProvider({ failureRate: 0.5, random: () => draws.shift() ?? 0.9 });
      await assert.rejects(sandbox.generateText(textRequest('dice')), { type: 'ProviderUnavailable' });
      await sandbox.generateText(textRequest('dice'));
      const never = new SandboxProvider({ failureRate: 1, random: () => 0 });
      await never.generateText(textRequest('dice', { config: { sandbox: { failureRate: 0 } } }));
    });

    it('refuses malformed sandbox knobs as InvalidConfig', async () => {
      await assert.rejects(new SandboxProvider().generateText(textRequest('x', { config: { sandbox: { failFirstAttempts: 'two' } } })), {
        type: 'InvalidConfig',
      });
    });
  });

  describe('counters', () => {
    it('counts calls per kind and per prompt, failed ones included, until reset', async () => {
      const sandbox = new SandboxProvider();
      await sandbox.generateText(textRequest('alpha'));
      await sandbox.generateText(textRequest('alpha'));
      await assert.rejects(sandbox.generateText(textRequest('beta', { config: { sandbox: { reject: true } } })));
      await assert.rejects(sandbox.generate(failingImageRequest('alpha', { config: { sandbox: { reject: true } } })));
      assert.deepEqual(sandbox.calls, { text: 3, image: 1, video: 0, audio: 0 });
      assert.equal(sandbox.callsFor('alpha', 'text'), 2);
      assert.equal(sandbox.callsFor('alpha', 'image'), 1);
      assert.equal(sandbox.callsFor('alpha'), 3);
      assert.equal(sandbox.callsFor('beta'), 1);
      assert.equal(sandbox.callsFor('never asked'), 0);
      sandbox.resetCounters();
      assert.deepEqual(sandbox.calls, { text: 0, image: 0, video: 0, audio: 0 });
      assert.equal(sandbox.callsFor('alpha'), 0);
    });
  });
});
