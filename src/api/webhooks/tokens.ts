// Inbound URL tokens of Webhook Trigger nodes, derived rather than stored:
//   whk.<base64url(canvasId "\n" nodeId)>.<base64url(HMAC-SHA256(account webhook secret, label))>
// Deriving keeps URLs in step with the canvas (a node added by a graph edit has a URL at once; a
// removed node's URL stops working) with no table to keep in sync, and the account's secret makes
// the MAC unguessable. Rotating the account's webhook secret rotates every URL of the account.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whk';
/** Domain separation: the account secret also signs result callbacks; this MAC can never equal one. */
const LABEL = 'builder-studio/webhook-trigger-token/v1';

/** The token of one Webhook Trigger node. */
export function webhookToken(accountSecret: string, canvasId: string, nodeId: string): string {
  const ids = Buffer.from(`${canvasId}\n${nodeId}`).toString('base64url');
  return `${PREFIX}.${ids}.${mac(accountSecret, canvasId, nodeId).toString('base64url')}`;
}

/** The ids a token names, before its MAC is checked; null when it is not a token at all. */
export function parseWebhookToken(token: string): { canvasId: string; nodeId: string; mac: Buffer } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 600) return null;
  const ids = Buffer.from(parts[1]!, 'base64url').toString('utf8').split('\n');
  if (ids.length !== 2 || !ids[0] || !ids[1]) return null;
  return { canvasId: ids[0], nodeId: ids[1], mac: Buffer.from(parts[2]!, 'base64url') };
}

/** True when the token's MAC is the one the account secret gives (constant time). */
export function webhookTokenMatches(accountSecret: string, parsed: { canvasId: string; nodeId: string; mac: Buffer }): boolean {
  const expected = mac(accountSecret, parsed.canvasId, parsed.nodeId);
  return parsed.mac.length === expected.length && timingSafeEqual(parsed.mac, expected);
}

function mac(accountSecret: string, canvasId: string, nodeId: string): Buffer {
  return createHmac('sha256', accountSecret).update(`${LABEL}\n${canvasId}\n${nodeId}`).digest();
}
