// Structured JSON logs (pino). One root logger per process; children carry request, execution
// and step ids so one `executionId` query finds a run's lines in API and worker logs alike.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Options of the root logger. */
export interface LoggerOptions {
  level?: LevelWithSilent;
  /** `api`, `worker` or `start`: which process wrote the line. */
  service?: string;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/** The most characters of any one string a log line carries (a path, a body, an error message). */
export const LOG_FIELD_MAX_CHARS = 2048;

/** `text` cut to {@link LOG_FIELD_MAX_CHARS}, saying how much was left out. */
export function capLogText(text: string, max: number = LOG_FIELD_MAX_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

// Caps strings at the top of a line and one level down (a request's context object); deeper values
// and error objects are capped by their serializer. Bounded depth: never a walk over user data.
function capFields(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === 'string') out[key] = capLogText(value);
    else if (depth === 0 && value && typeof value === 'object' && !(value instanceof Error) && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
      out[key] = capFields(value as Record<string, unknown>, depth + 1);
    } else out[key] = value;
  }
  return out;
}

function cappedErr(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(serialized)) out[key] = typeof value === 'string' ? capLogText(value, key === 'stack' ? 2 * LOG_FIELD_MAX_CHARS : LOG_FIELD_MAX_CHARS) : value;
  return out;
}

/** Creates the process's root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service ?? 'builder' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // No line carries more than a few KB of any path, body or message a client sent.
      formatters: { level: (label) => ({ level: label }), log: (obj) => capFields(obj) },
      serializers: { err: cappedErr },
      // API keys and signatures never reach the logs.
      redact: { paths: ['headers["x-api-key"]', 'headers.authorization', 'headers["x-webhook-signature"]'], censor: '[redacted]' },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that writes nothing (the default where no logger was given, e.g. tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
