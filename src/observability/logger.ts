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

/** Creates the process's root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service ?? 'builder' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // API keys and signatures never reach the logs.
      redact: { paths: ['headers["x-api-key"]', 'headers.authorization', 'headers["x-webhook-signature"]'], censor: '[redacted]' },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that writes nothing (the default where no logger was given, e.g. tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
