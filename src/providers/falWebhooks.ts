// fal's webhook signatures, as its docs describe them: ED25519 over
// "<X-Fal-Webhook-Request-Id>\n<X-Fal-Webhook-User-Id>\n<X-Fal-Webhook-Timestamp>\n<sha256 hex of the raw body>",
// hex in X-Fal-Webhook-Signature, checked against any key of the JWKS fal publishes; the timestamp
// must be within 5 minutes of our clock. fal's client package has no verifier, so this is the one
// piece written by hand (Node's crypto does the ED25519).
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { CallbackRejected } from './errors';

const PROVIDER = 'fal';
const TOLERANCE_SECONDS = 300;
/** fal says its keys may rotate: cache at most a day, and refetch (at most once a minute) when none verifies. */
const KEYS_TTL_MS = 24 * 60 * 60_000;
const REFETCH_AFTER_MS = 60_000;

/** Verifies fal webhooks against the key set at `jwksUrl`. */
export class FalWebhookVerifier {
  private keys: KeyObject[] = [];
  private fetchedAt = 0;

  constructor(
    private readonly jwksUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the verified request id, or throws CallbackRejected (missing, stale or invalid signature). */
  async verify(headers: Record<string, string>, rawBody: Buffer): Promise<string> {
    const requestId = headers['x-fal-webhook-request-id'];
    const userId = headers['x-fal-webhook-user-id'];
    const timestamp = headers['x-fal-webhook-timestamp'];
    const signature = headers['x-fal-webhook-signature'];
    if (!requestId || !userId || !timestamp || !signature) {
      throw new CallbackRejected('CALLBACK_SIGNATURE_MISSING', 'fal: the X-Fal-Webhook-Request-Id, -User-Id, -Timestamp and -Signature headers are required.', PROVIDER);
    }
    const seconds = Number(timestamp);
    if (!/^\d+$/.test(timestamp) || Math.abs(this.now() / 1000 - seconds) > TOLERANCE_SECONDS) {
      throw new CallbackRejected('CALLBACK_SIGNATURE_STALE', 'fal: the webhook timestamp is more than 5 minutes from our clock.', PROVIDER);
    }
    if (!/^[0-9a-f]{128}$/i.test(signature)) {
      throw new CallbackRejected('CALLBACK_SIGNATURE_INVALID', 'fal: the webhook signature is not a hex ED25519 signature.', PROVIDER);
    }
    const message = Buffer.from([requestId, userId, timestamp, createHash('sha256').update(rawBody).digest('hex')].join('\n'));
    const bytes = Buffer.from(signature, 'hex');
    const matches = (keys: KeyObject[]) => keys.some((key) => verify(null, message, key, bytes));
    if (matches(await this.currentKeys())) return requestId;
    if (this.now() - this.fetchedAt > REFETCH_AFTER_MS && matches(await this.fetchKeys())) return requestId;
    throw new CallbackRejected('CALLBACK_SIGNATURE_INVALID', 'fal: the webhook signature does not match any of fal’s published keys.', PROVIDER);
  }

  private async currentKeys(): Promise<KeyObject[]> {
    if (this.keys.length > 0 && this.now() - this.fetchedAt < KEYS_TTL_MS) return this.keys;
    return this.fetchKeys();
  }

  private async fetchKeys(): Promise<KeyObject[]> {
    let body: unknown;
    try {
      const response = await fetch(this.jwksUrl, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (err) {
      // Without keys nothing can be verified: refuse (polling still finishes the job).
      throw new CallbackRejected('CALLBACK_VERIFICATION_UNAVAILABLE', `fal: could not fetch the webhook keys from ${this.jwksUrl} (${(err as Error).message}).`, PROVIDER);
    }
    const entries = (body as { keys?: unknown }).keys;
    this.keys = (Array.isArray(entries) ? entries : []).flatMap((entry: unknown) => {
      const jwk = entry as { kty?: unknown; crv?: unknown; x?: unknown };
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return [];
      try {
        // fal's live key set has been seen padding `x`; JWK wants unpadded base64url.
        return [createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x.replace(/=+$/, '') }, format: 'jwk' })];
      } catch {
        return [];
      }
    });
    this.fetchedAt = this.now();
    return this.keys;
  }
}
