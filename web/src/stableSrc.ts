// A media element keeps its URL while that URL is still good. The run view is re-read on every
// status event, and each read signs its media URLs anew; a URL with another `exp` would make a
// playing video or audio start over and an image load again. The server rounds expiries up to a
// window (src/media/urls.ts), so most reads sign the same URL anyway; this covers the reads that
// fall on either side of a window's end.

/** A kept URL is given up this long before its expiry, for a fresh one. */
const MARGIN_MS = 60_000;
/** At most this many media are remembered (a page shows far fewer). */
const MAX_KEPT = 500;

const kept = new Map<string, { src: string; expiresAtMs: number }>();

/** The URL to show for a signed media URL (`/api/media/<id>?exp=…&sig=…`): the one shown before while it is valid, else this one. */
export function stableMediaSrc(src: string, nowMs: number = Date.now()): string {
  let url: URL;
  try {
    url = new URL(src, 'http://viewer.invalid');
  } catch {
    return src;
  }
  const exp = Number(url.searchParams.get('exp'));
  if (!url.pathname.startsWith('/api/media/') || !Number.isSafeInteger(exp) || exp <= 0) return src;
  const key = `${url.origin}${url.pathname}`;
  const held = kept.get(key);
  if (held && held.expiresAtMs - MARGIN_MS > nowMs) return held.src;
  if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(key, { src, expiresAtMs: exp * 1000 });
  return src;
}
