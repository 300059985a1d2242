import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { ProviderError } from '../../../src/providers/errors';
import { SandboxProvider, SANDBOX_IMAGE_MAX_SIZE } from '../../../src/providers/sandbox';
import type { ImageRequest, TextRequest } from '../../../src/providers/types';

function textRequest(prompt: string, overrides: Partial<TextRequest> = {}): TextRequest {
  return { model: 'sandbox-text', config: {}, attempt: 1, signal: new AbortController().signal, prompt, onToken: () => undefined, ...overrides };
}

function imageRequest(prompt: string, overrides: Partial<ImageRequest> = {}): ImageRequest {
  return { model: 'sandbox-image', config: {}, attempt: 1, signal: new AbortController().signal, prompt, ...overrides };
}

function decode(dataUrl: string): { png: PNG; bytes: Buffer } {
  const prefix = 'data:image/png;base64,';
  assert.ok(dataUrl.startsWith(prefix), 'image is a PNG data URL');
  const bytes = Buffer.from(dataUrl.slice(prefix.length), 'base64');
  return { png: PNG.sync.read(bytes), bytes };
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

  describe('images', () => {
    it('produces a valid PNG of the requested size with a matching sha256, labelled as sandbox', async () => {
      const image = await new SandboxProvider().generateImage(imageRequest('a red fox', { width: 40, height: 24 }));
      const { png, bytes } = decode(image.dataUrl);
      assert.deepEqual([png.width, png.height], [40, 24]);
      assert.deepEqual([image.width, image.height], [40, 24]);
      assert.equal(image.mimeType, 'image/png');
      assert.equal(image.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(image.sandbox, true);
    });

    it('defaults to 64x64 and clamps sizes above the cap', async () => {
      const sandbox = new SandboxProvider();
      const plain = decode((await sandbox.generateImage(imageRequest('default'))).dataUrl).png;
      assert.deepEqual([plain.width, plain.height], [64, 64]);
      const huge = await sandbox.generateImage(imageRequest('huge', { width: 4096, height: 10 }));
      assert.deepEqual([huge.width, huge.height], [SANDBOX_IMAGE_MAX_SIZE, 10]);
    });

    it('draws the same pixels for the same prompt and different pixels for another prompt', async () => {
      const sandbox = new SandboxProvider();
      const fox = await sandbox.generateImage(imageRequest('a red fox'));
      const foxAgain = await sandbox.generateImage(imageRequest('a red fox'));
      const owl = await sandbox.generateImage(imageRequest('an owl'));
      assert.equal(fox.sha256, foxAgain.sha256);
      assert.notDeepEqual(decode(fox.dataUrl).png.data, decode(owl.dataUrl).png.data);
      const pixels = decode(fox.dataUrl).png.data;
      assert.ok(new Set(pixels.filter((_, i) => i % 4 === 0)).size > 1, 'the image is a pattern, not a flat colour');
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
        await assert.rejects(sandbox.generateImage(imageRequest('nope', { config: { sandbox: { reject: true } }, attempt })), (err: unknown) => {
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
      await sandbox.generateImage(imageRequest('alpha'));
      assert.deepEqual(sandbox.calls, { text: 3, image: 1 });
      assert.equal(sandbox.callsFor('alpha', 'text'), 2);
      assert.equal(sandbox.callsFor('alpha', 'image'), 1);
      assert.equal(sandbox.callsFor('alpha'), 3);
      assert.equal(sandbox.callsFor('beta'), 1);
      assert.equal(sandbox.callsFor('never asked'), 0);
      sandbox.resetCounters();
      assert.deepEqual(sandbox.calls, { text: 0, image: 0 });
      assert.equal(sandbox.callsFor('alpha'), 0);
    });
  });
});
