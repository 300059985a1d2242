// Errors of the CLI itself (the API's own come from the client).

/** Thrown when the command line is wrong or incomplete; exit code 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
