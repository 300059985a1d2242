// Provider failures, classified so the workflow and retry policy can tell them apart.

/** Closed set of provider failure types; used as Temporal ApplicationFailure types. */
export type ProviderErrorType =
  /** The provider refused the request (4xx other than 408/429): retrying cannot help. */
  | 'ProviderRejected'
  /** The provider failed or was unreachable (5xx, network): worth retrying. */
  | 'ProviderUnavailable'
  /** The provider asked us to slow down (429). */
  | 'ProviderRateLimited'
  /** The node's config is unusable for this provider (missing API key, bad URL): never retried. */
  | 'InvalidConfig';

/** Thrown by provider adapters when a call fails. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly type: ProviderErrorType,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; provider?: string } = {},
  ) {
    super(message);
  }

  /** True for failures that retrying cannot fix. */
  get nonRetryable(): boolean {
    return this.type === 'ProviderRejected' || this.type === 'InvalidConfig';
  }
}
