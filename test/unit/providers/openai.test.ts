import assert from 'node:assert/strict';
import { ProviderError } from '../../../src/providers/errors';
import { OpenAIChatProvider } from '../../../src/providers/openai';
import type { TextRequest } from '../../../src/providers/types';
import { fakeTokens, fakeUsageTokens, startFakeOpenAI, type FakeOpenAI } from '../../support/fakeOpenAI';

function request(overrides: Partial<TextRequest> = {}): TextRequest {
  return { model: 'gpt-4o-mini', config: {}, attempt: 1, signal: new AbortController().signal, prompt: 'Say hello to the studio', onToken: () => undefined, ...overrides };
}

function providerError(check: (err: ProviderError) => void) {
  return (err: unknown): true => {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    check(err);
    return true;
  };
}

describe('OpenAIChatProvider', () => {
  let fake: FakeOpenAI;
  let provider: OpenAIChatProvider;

  beforeEach(async () => {
    fake = await startFakeOpenAI();
    provider = new OpenAIChatProvider({ baseUrl: fake.baseUrl, apiKey: 'sk-test-123' });
  });
  afterEach(() => fake.close());

  it('streams the completion token by token in order and returns the joined text', async () => {
    const tokens: string[] = [];
    const result = await provider.generateText(request({ onToken: (token) => tokens.push(token) }));
    assert.deepEqual(tokens, fakeTokens('echo: Say hello to the studio'));
    assert.equal(result.text, 'echo: Say hello to the studio');
    assert.equal(result.truncated, undefined, 'a completion that stopped by itself is not truncated');
  });

  it('counts tokens from the stream’s usage chunk (asked for with stream_options.include_usage), not the number of deltas', async () => {
    const result = await provider.generateText(request());
    assert.deepEqual(fake.chatRequests()[0]?.body?.stream_options, { include_usage: true });
    assert.equal(result.tokens, fakeUsageTokens('echo: Say hello to the studio'));
    assert.notEqual(result.tokens, fakeTokens('echo: Say hello to the studio').length);
  });

  it('reports a text cut by max_tokens (finish_reason "length") as truncated', async () => {
    const result = await provider.generateText(request({ maxTokens: 2 }));
    assert.equal(result.text, fakeTokens('echo: Say hello to the studio').slice(0, 2).join(''));
    assert.equal(result.truncated, true);
  });

  it('sends the model, system and user messages, the API key and a streaming request', async () => {
    await provider.generateText(request({ model: 'gpt-4.1', system: 'Be brief.', maxTokens: 50, temperature: 0.2 }));
    const [sent] = fake.chatRequests();
    assert.ok(sent?.body);
    assert.equal(sent.headers.authorization, 'Bearer sk-test-123');
    assert.equal(sent.body.model, 'gpt-4.1');
    assert.equal(sent.body.stream, true);
    assert.equal(sent.body['max_tokens'], 50);
    assert.equal(sent.body['temperature'], 0.2);
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello to the studio' },
    ]);
  });

  it('fails as InvalidConfig without calling the server when no API key is configured', async () => {
    const keyless = new OpenAIChatProvider({ baseUrl: fake.baseUrl });
    await assert.rejects(keyless.generateText(request()), providerError((err) => assert.equal(err.type, 'InvalidConfig')));
    assert.equal(fake.requests.length, 0);
  });

  it('maps a 400 to a non-retryable ProviderRejected carrying the status', async () => {
    fake.failNext(400);
    await assert.rejects(
      provider.generateText(request()),
      providerError((err) => {
        assert.equal(err.type, 'ProviderRejected');
        assert.equal(err.details.status, 400);
        assert.equal(err.nonRetryable, true);
      }),
    );
  });

  it('maps a 429 to ProviderRateLimited with the Retry-After delay in milliseconds', async () => {
    fake.failNext(429, 1, { 'retry-after': '7' });
    await assert.rejects(
      provider.generateText(request()),
      providerError((err) => {
        assert.equal(err.type, 'ProviderRateLimited');
        assert.equal(err.details.retryAfterMs, 7_000);
        assert.equal(err.details.status, 429);
      }),
    );
  });

  it('maps a 500 to a retryable ProviderUnavailable and makes exactly one request, leaving retries to Temporal', async () => {
    fake.failNext(500);
    await assert.rejects(
      provider.generateText(request()),
      providerError((err) => {
        assert.equal(err.type, 'ProviderUnavailable');
        assert.equal(err.details.status, 500);
        assert.equal(err.nonRetryable, false);
      }),
    );
    assert.equal(fake.chatRequests().length, 1);
    const recovered = await provider.generateText(request());
    assert.equal(recovered.text, 'echo: Say hello to the studio');
  });

  it('maps an unreachable server to ProviderUnavailable', async () => {
    const url = fake.baseUrl;
    await fake.close();
    const offline = new OpenAIChatProvider({ baseUrl: url, apiKey: 'sk-test-123' });
    await assert.rejects(offline.generateText(request()), providerError((err) => assert.equal(err.type, 'ProviderUnavailable')));
    fake = await startFakeOpenAI();
  });

  it('stops mid-stream and rejects with the abort reason when the signal aborts', async () => {
    await fake.close();
    fake = await startFakeOpenAI({ tokenDelayMs: 40, reply: () => Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ') });
    const slow = new OpenAIChatProvider({ baseUrl: fake.baseUrl, apiKey: 'sk-test-123' });
    const controller = new AbortController();
    const tokens: string[] = [];
    const started = Date.now();
    const call = slow.generateText(
      request({
        signal: controller.signal,
        onToken: (token) => {
          tokens.push(token);
          if (tokens.length === 2) controller.abort();
        },
      }),
    );
    await assert.rejects(call, { name: 'AbortError' });
    assert.ok(Date.now() - started < 1_000, 'rejects long before the 2 s stream would end');
    assert.equal(tokens.length, 2, 'no token is reported after the abort');
  });
});
