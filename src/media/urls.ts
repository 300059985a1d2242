// Signed, expiring media URLs: `GET /api/media/<mediaId>?exp=<unix s>&sig=<hex>`, where sig is
// HMAC-SHA256(secret, "<mediaId>.<exp>"). Refs are stored without URLs (they would expire inside
// rows and history); presentMedia adds fresh ones when a view is built.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isStoredMediaRef } from './refs';
import type { MediaRef } from './types';

/** Signs and checks media URLs. */
export interface MediaUrlSigner {
  readonly ttlSeconds: number;
  /**
   * An absolute URL (relative when no base URL is known) valid for at least ttlSeconds from now. Its
   * expiry is rounded up to a window (see expiryWindowSeconds), so reads within one window sign the
   * same URL: a page that re-reads a run does not make its players reload, and browsers cache.
   */
  sign(mediaId: string): string;
  /** Whether `exp`/`sig` from a request are a valid signature of mediaId, and not past expiry. */
  verify(mediaId: string, exp: string | undefined, sig: string | undefined): 'valid' | 'expired' | 'invalid';
}

/** Options of {@link createMediaUrlSigner}. */
export interface MediaUrlSignerOptions {
  /** MEDIA_URL_SECRET, or the deployment's stored secret (see mediaUrlSecret in secret.ts). */
  secret: string;
  /** The API's public base URL (PUBLIC_URL), without a trailing slash. */
  baseUrl?: string;
  /** MEDIA_URL_TTL_SECONDS. */
  ttlSeconds: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The path of a media id's route. */
export function mediaPath(mediaId: string): string {
  return `/api/media/${encodeURIComponent(mediaId)}`;
}

/** The window a signed URL's expiry is rounded up to: a tenth of the TTL, at most 5 minutes, at least a second. */
export function expiryWindowSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.min(300, Math.floor(ttlSeconds / 10)));
}

/** A signer over one secret. */
export function createMediaUrlSigner({ secret, baseUrl = '', ttlSeconds, now = Date.now }: MediaUrlSignerOptions): MediaUrlSigner {
  const base = baseUrl.replace(/\/+$/, '');
  const mac = (mediaId: string, exp: string) => createHmac('sha256', secret).update(`${mediaId}.${exp}`).digest();
  const expiryWindow = expiryWindowSeconds(ttlSeconds);
  return {
    ttlSeconds,
    sign(mediaId) {
      const exp = String(Math.ceil((Math.floor(now() / 1000) + ttlSeconds) / expiryWindow) * expiryWindow);
      return `${base}${mediaPath(mediaId)}?exp=${exp}&sig=${mac(mediaId, exp).toString('hex')}`;
    },
    verify(mediaId, exp, sig) {
      if (!exp || !sig || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid';
      // The signature is checked before the expiry, so an edited `exp` is a bad signature.
      if (!timingSafeEqual(mac(mediaId, exp), Buffer.from(sig, 'hex'))) return 'invalid';
      return Number(exp) * 1000 <= now() ? 'expired' : 'valid';
    },
  };
}

/**
 * A copy of any JSON value in which every stored media reference (an object with a string
 * `mediaId` starting `med_` and a `sha256`) gains a freshly signed `url`. Other values are kept.
 */
export function presentMedia<T>(value: T, signer: MediaUrlSigner): T {
  return walk(value, signer) as T;
}

/** A copy of `value` with every stored media reference signed; iterative, so any depth is safe (an HTTP node's output can nest deeply). */
function walk(value: unknown, signer: MediaUrlSigner): unknown {
  const copyOf = (item: unknown): unknown => (Array.isArray(item) ? new Array(item.length) : isPlainObject(item) ? {} : item);
  const root = copyOf(value);
  const stack: Array<{ from: unknown; to: unknown }> = [{ from: value, to: root }];
  while (stack.length > 0) {
    const { from, to } = stack.pop()!;
    if (Array.isArray(from)) {
      from.forEach((item, index) => {
        const copy = copyOf(item);
        (to as unknown[])[index] = copy;
        if (copy !== item) stack.push({ from: item, to: copy });
      });
    } else if (isPlainObject(from)) {
      for (const [key, item] of Object.entries(from)) {
        const copy = copyOf(item);
        (to as Record<string, unknown>)[key] = copy;
        if (copy !== item) stack.push({ from: item, to: copy });
      }
      if (isStoredMediaRef(from)) (to as unknown as MediaRef).url = signer.sign(from.mediaId);
    }
  }
  return root;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
