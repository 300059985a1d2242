// Errors of the media store. Each names what a user or operator can act on; activities turn them
// into non-retryable failures where retrying cannot help (too large, not found: src/domain/retryability.ts).

/** Thrown when a body grows past the size limit; whatever was written is removed. */
export class MediaTooLarge extends Error {
  override readonly name = 'MediaTooLarge';
  constructor(
    readonly maxBytes: number,
    /** Bytes seen before refusing (at least maxBytes + 1), or the announced Content-Length. */
    readonly receivedBytes: number,
    readonly source?: string,
  ) {
    super(`Media exceeds the limit of ${maxBytes} bytes (MEDIA_MAX_BYTES)${source ? ` (${source})` : ''}: received ${receivedBytes} bytes or more.`);
  }
}

/** Thrown when a blob or media row does not exist. */
export class MediaNotFound extends Error {
  override readonly name = 'MediaNotFound';
  constructor(readonly key: string) {
    super(`Media "${key}" was not found in the media store.`);
  }
}

/** Thrown when a requested byte range lies outside a blob. */
export class MediaRangeNotSatisfiable extends Error {
  override readonly name = 'MediaRangeNotSatisfiable';
  constructor(
    readonly sizeBytes: number,
    readonly start: number,
    readonly end: number,
  ) {
    super(`Byte range ${start}-${end} is outside a blob of ${sizeBytes} bytes.`);
  }
}

/** Thrown when a provider's media URL cannot be downloaded (network error or non-2xx answer). */
export class MediaDownloadFailed extends Error {
  override readonly name = 'MediaDownloadFailed';
  constructor(
    readonly url: string,
    /** HTTP status, when the server answered. */
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when MEDIA_STORE_URL names something we cannot use. */
export class MediaStoreConfigError extends Error {
  override readonly name = 'MediaStoreConfigError';
}
