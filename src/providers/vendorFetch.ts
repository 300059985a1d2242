// One request per call through the vendors' official clients. Both clients retry by themselves
// inside one call: `replicate` re-sends any request answered 429 (at once: its backoff computes to
// NaN), any request whose fetch throws (a lost answer: its retry loop catches every error) and
// GETs answered 5xx; `@fal-ai/client` re-POSTs a queue submit on 429/502/503/504 and on
// network errors. A re-sent create is a second paid job the engine never learns of, and a re-sent
// 429 ignores the wait the vendor asked for. Temporal owns retries here (with `nextRetryDelay` from
// the vendor's Retry-After), so these wrappers hand the first answer back as it is.

/** Header carrying the vendor's real status on an answer rewritten so the client does not retry it. */
export const VENDOR_STATUS_HEADER = 'x-builder-vendor-status';

/** Thrown instead of a network error, so the client's retry loop does not recognise (and repeat) it. */
export class VendorNetworkError extends Error {
  override readonly name = 'VendorNetworkError';
}

/** {@link VENDOR_STATUS_HEADER}'s value on an answer standing for a network error (no answer came). */
export const NO_ANSWER = 'no-answer';

/**
 * A fetch for the `replicate` client: a 429 or 5xx answer is handed to the client as a 400 (which
 * it never retries) with the real status in {@link VENDOR_STATUS_HEADER}, body and headers intact;
 * a network error likewise, as a 400 marked {@link NO_ANSWER} whose body says what failed.
 */
export function replicateOnceFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await base(input, init);
    } catch (err) {
      if (init?.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`;
      return new Response(JSON.stringify({ detail }), { status: 400, headers: { 'content-type': 'application/json', [VENDOR_STATUS_HEADER]: NO_ANSWER } });
    }
    if (response.status !== 429 && response.status < 500) return response;
    const headers = new Headers(response.headers);
    headers.set(VENDOR_STATUS_HEADER, String(response.status));
    return new Response(await response.arrayBuffer(), { status: 400, statusText: response.statusText, headers });
  };
}

/**
 * A fetch for `@fal-ai/client`: network errors become {@link VendorNetworkError}s (no retryable
 * code in their chain), and 429/502/503/504 answers reach the client as 500 (which its queue
 * calls do not retry) with the real status in {@link VENDOR_STATUS_HEADER}.
 */
export function falOnceFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await base(input, init);
    } catch (err) {
      if (init?.signal?.aborted || (err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new VendorNetworkError(`${(err as Error).message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`);
    }
    if (![429, 502, 503, 504].includes(response.status)) return response;
    const headers = new Headers(response.headers);
    headers.set(VENDOR_STATUS_HEADER, String(response.status));
    return new Response(await response.arrayBuffer(), { status: 500, statusText: response.statusText, headers });
  };
}

/** The status a vendor really answered (a rewritten answer carries it in a header); 0 when no answer came. */
export function vendorStatus(response: { status: number; headers: { get(name: string): string | null } }): number {
  const header = response.headers.get(VENDOR_STATUS_HEADER);
  if (header === NO_ANSWER) return 0;
  const real = Number(header);
  return Number.isInteger(real) && real > 0 ? real : response.status;
}
