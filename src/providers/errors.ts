// Provider failures, classified so the workflow and retry policy can tell them apart; whether a type
// is retried is decided in src/domain/retryability.ts.
import { isRetryable, type FailureType } from '../domain/retryability';

/** Closed set of provider failure types; used as Temporal ApplicationFailure types. */
export type ProviderErrorType =
  /** The provider refused the request (4xx other than 408/429): retrying cannot help. */
  | 'ProviderRejected'
  /** The provider failed or was unreachable (5xx, network): worth retrying. */
  | 'ProviderUnavailable'
  /** The provider asked us to slow down (429). */
  | 'ProviderRateLimited'
  /** The node's config is unusable for this provider (missing API key, bad URL): never retried. */
  | 'InvalidConfig'
  /** A URL a user or vendor gave leads to a loopback, private or link-local address (see guardedFetch.ts): never retried. */
  | 'PrivateNetworkRefused';

// Every provider failure type is a row of the retryability table (a compile error otherwise).
const _providerTypesAreFailureTypes: ProviderErrorType extends FailureType ? true : never = true;
void _providerTypesAreFailureTypes;

/** Thrown by provider adapters when a call fails. */
export class ProviderError extends Error {
  override readonly name: string = 'ProviderError';
  constructor(
    readonly type: ProviderErrorType,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; provider?: string } = {},
  ) {
    super(message);
  }

  /** True for failures that retrying cannot fix (src/domain/retryability.ts). */
  get nonRetryable(): boolean {
    return !isRetryable(this.type);
  }
}

/** The error to throw once `signal` aborted a call: its reason when that is an Error, so a Temporal cancellation stays one. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted.', 'AbortError');
}

/** Milliseconds a `Retry-After` (seconds or HTTP date) or `retry-after-ms` header asks us to wait, if any. */
export function parseRetryAfter(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const msValue = headers.get('retry-after-ms')?.trim();
  const ms = msValue ? Number(msValue) : NaN;
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Why a vendor callback was refused: no signature, a signature that does not verify, or one too old (or new) to trust. */
export type CallbackRejectionCode = 'CALLBACK_SIGNATURE_MISSING' | 'CALLBACK_SIGNATURE_INVALID' | 'CALLBACK_SIGNATURE_STALE' | 'CALLBACK_VERIFICATION_UNAVAILABLE';

/** Thrown when a vendor callback fails verification; the callback route answers 401 with `code` and changes nothing. */
export class CallbackRejected extends ProviderError {
  override readonly name = 'CallbackRejected';
  constructor(
    readonly code: CallbackRejectionCode,
    message: string,
    provider: string,
  ) {
    super('ProviderRejected', message, { provider, status: 401 });
  }
}

/** A vendor's HTTP error answer as a ProviderError: 429 rate limited, 408 and 5xx unavailable, other 4xx rejected. */
export function fromHttpStatus(provider: string, status: number, message: string, retryAfterMs?: number): ProviderError {
  if (status === 429) return new ProviderError('ProviderRateLimited', message, { provider, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  if (status === 408 || status >= 500) return new ProviderError('ProviderUnavailable', message, { provider, status });
  if (status === 401 || status === 403) return new ProviderError('InvalidConfig', message, { provider, status });
  return new ProviderError('ProviderRejected', message, { provider, status });
}
