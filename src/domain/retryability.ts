// Which failures another attempt can fix: the one table of failure type → retryable. Provider errors
// (src/providers/errors.ts) take their `nonRetryable` flag from it, the activities' failure conversion
// (`toFailure`) keeps the type of the media errors it lists, and the planner puts its step failures
// into every plan's `retry.nonRetryableErrorTypes`. The workflow's callback retry policy and the
// callback activity keep their own copies of the callback rows (files owned by the workflow rewrite);
// test/unit/domain/retryability.test.ts fails when any of them disagrees with this table.

/** Who raises a failure type: a step's activity (provider call, media store) or the result callback activity. */
export type FailureSource = 'step' | 'callback';

/** Every failure type an activity raises on purpose, whether retrying it can help, and who raises it. */
export const FAILURE_TYPES = {
  /** The provider refused the request (4xx other than 408/429). */
  ProviderRejected: { retryable: false, source: 'step' },
  /** The provider failed or was unreachable (5xx, network), or an unclassified error. */
  ProviderUnavailable: { retryable: true, source: 'step' },
  /** The provider asked us to slow down (429); the retry waits its Retry-After. */
  ProviderRateLimited: { retryable: true, source: 'step' },
  /** The node's config is unusable for the provider (missing key, bad URL). */
  InvalidConfig: { retryable: false, source: 'step' },
  /** A URL a user or vendor gave leads to a private address (src/net/guardedFetch.ts). */
  PrivateNetworkRefused: { retryable: false, source: 'step' },
  /** A vendor's output did not fit MEDIA_MAX_BYTES. */
  MediaTooLarge: { retryable: false, source: 'step' },
  /** A referenced media id is not in the store. */
  MediaNotFound: { retryable: false, source: 'step' },
  /** A vendor's output could not be read (undecodable data: URI, missing URL). */
  ProviderOutputInvalid: { retryable: false, source: 'step' },
  /** A vendor produced another kind of media than the node asked for. */
  MediaKindMismatch: { retryable: false, source: 'step' },
  /** The callback receiver could not be reached. */
  CallbackNetworkError: { retryable: true, source: 'callback' },
  /** The callback receiver answered 5xx, 408 or 429. */
  CallbackServerError: { retryable: true, source: 'callback' },
  /** The run's result is not recorded yet. */
  CallbackNotReady: { retryable: true, source: 'callback' },
  /** The callback receiver answered another 4xx. */
  CallbackRejected: { retryable: false, source: 'callback' },
  /** The callback URL leads to a private address or is not a URL we send to. */
  CallbackUrlRefused: { retryable: false, source: 'callback' },
} as const satisfies Record<string, { retryable: boolean; source: FailureSource }>;

/** A failure type of the table. */
export type FailureType = keyof typeof FAILURE_TYPES;

/** Whether `type` is one of the table's failure types. */
export function isFailureType(type: string): type is FailureType {
  return Object.hasOwn(FAILURE_TYPES, type);
}

/** Whether another attempt can fix a failure of `type`; types the table does not know are retried (Temporal's default). */
export function isRetryable(type: string): boolean {
  return isFailureType(type) ? FAILURE_TYPES[type].retryable : true;
}

/** The failure types of `source` that are never retried, in the table's order. */
export function nonRetryableFailureTypes(source: FailureSource): FailureType[] {
  return (Object.keys(FAILURE_TYPES) as FailureType[]).filter((type) => FAILURE_TYPES[type].source === source && !FAILURE_TYPES[type].retryable);
}
