// Optional HMAC signatures of webhook deliveries (node config `secret`):
//   X-Webhook-Timestamp: <unix seconds>
//   X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
// Signing the timestamp with the body and refusing timestamps outside a window stops a captured
// delivery from being replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors';

/** How far a delivery's timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Signs a delivery the way senders must (used by tests and documented in the README). */
export function signWebhook(secret: string, timestamp: number | string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** Throws 401 with a precise code unless the delivery is signed with `secret` within the window. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string; signature: string },
  rawBody: string,
  nowMs: number = Date.now(),
): void {
  if (!headers.signature || !headers.timestamp) {
    throw new HttpError(401, 'WEBHOOK_SIGNATURE_MISSING', 'This webhook requires X-Webhook-Timestamp and X-Webhook-Signature headers.');
  }
  if (!/^\d{1,12}$/.test(headers.timestamp)) {
    throw new HttpError(401, 'WEBHOOK_TIMESTAMP_INVALID', 'X-Webhook-Timestamp must be a Unix time in seconds.');
  }
  const skew = Math.abs(nowMs / 1000 - Number(headers.timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    throw new HttpError(401, 'WEBHOOK_TIMESTAMP_STALE', `X-Webhook-Timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} seconds away from the server's clock.`, {
      toleranceSeconds: SIGNATURE_TOLERANCE_SECONDS,
    });
  }
  const expected = Buffer.from(signWebhook(secret, headers.timestamp, rawBody));
  const given = Buffer.from(headers.signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'WEBHOOK_SIGNATURE_INVALID', 'X-Webhook-Signature does not match the body and timestamp.');
  }
}
