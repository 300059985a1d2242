// View tokens of the run viewer: short-lived, stateless, HMAC-signed bearer tokens that let a
// browser read runs (and, when minted with `actions`, cancel and replay them) without ever holding
// an API key. Format:
//   vt1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(account webhook secret, label + claims))>
// Claims: account `a`, minting key `k`, execution `x` (null: every run of the account), `act`
// (may cancel/replay) and `exp` (unix seconds). Stateless, so any API process verifies any token;
// each use re-reads the minting key, so revoking the key (or rotating the account's secret) ends
// its tokens at once, and actions are re-checked against the key's current capabilities.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const PREFIX = 'vt1';
/** Domain separation: the account secret also signs callbacks and webhook URLs; this MAC never equals those. */
const LABEL = 'builder-studio/view-token/v1\n';
/** Longest accepted token text (claims are small; anything longer is not ours). */
const MAX_LENGTH = 1_000;

/** Default and longest lifetime of a view token, in seconds (defined in the public contract). */
export { VIEW_TOKEN_TTL } from '../contract/viewer';

const claimsSchema = z.object({
  a: z.string().min(1).max(200),
  k: z.string().min(1).max(200),
  x: z.string().min(1).max(100).nullable(),
  act: z.boolean(),
  exp: z.number().int().positive(),
});

/** What a view token grants: whose runs, which run (null: all of the account's), actions or read only, until when. */
export type ViewTokenClaims = z.infer<typeof claimsSchema>;

/** Signs claims into a token with the account's secret. */
export function signViewToken(accountSecret: string, claims: ViewTokenClaims): string {
  const body = Buffer.from(JSON.stringify(claimsSchema.parse(claims))).toString('base64url');
  return `${PREFIX}.${body}.${mac(accountSecret, body).toString('base64url')}`;
}

/** A token's claims before its MAC is checked (look up the account by `a`), or null when it is not a view token. */
export function parseViewToken(token: string): { claims: ViewTokenClaims; body: string; mac: Buffer } | null {
  if (token.length > MAX_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return null;
  try {
    const claims = claimsSchema.safeParse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    return claims.success ? { claims: claims.data, body: parts[1], mac: Buffer.from(parts[2], 'base64url') } : null;
  } catch {
    return null;
  }
}

/** True when the parsed token's MAC is the one the account secret gives (constant time). */
export function viewTokenMatches(accountSecret: string, parsed: { body: string; mac: Buffer }): boolean {
  const expected = mac(accountSecret, parsed.body);
  return parsed.mac.length === expected.length && timingSafeEqual(parsed.mac, expected);
}

/** True when the claims have expired at `nowMs`. */
export function viewTokenExpired(claims: ViewTokenClaims, nowMs = Date.now()): boolean {
  return claims.exp * 1000 <= nowMs;
}

function mac(accountSecret: string, body: string): Buffer {
  return createHmac('sha256', accountSecret).update(LABEL + body).digest();
}
