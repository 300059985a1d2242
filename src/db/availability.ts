// Telling "the database is unreachable or saturated" apart from every other database error: those
// are the server's momentary state, not the request's fault or a bug, and the answer is to retry.

/** Prisma codes of an unreachable database, a lost connection, or no connection to be had in time. */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024', 'P2037']);

/** Messages of the same conditions from the `pg` driver and pool, and from Postgres itself. */
const UNAVAILABLE_MESSAGES =
  /Can't reach database server|Unable to start a transaction in the given time|cannot be executed on an expired transaction|timeout exceeded when trying to connect|Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|too many clients|remaining connection slots|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

/**
 * True when `err` (or an error it wraps) says the database cannot serve us right now: unreachable,
 * out of connections, or a lock or statement waiting longer than we allow (55P03, 57014: a queue
 * behind a hot row, e.g. an account's admissions), which a retry a moment later gets through.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const { code, name, message, cause } = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (name === 'PrismaClientInitializationError') return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|57P01|57P03|53300|55P03|57014)$/.test(code)) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
