// Where async providers call back with a job's result. In a process that also serves the API this
// is the API's own address; a worker-only process cannot know where the API is reachable, so it
// must be told (PUBLIC_URL) rather than guess 127.0.0.1 and have callbacks silently go nowhere.
import { ConfigError, type Config } from '../config';

/** Thrown when a worker-only process has async providers but no PUBLIC_URL to give them. */
export class MissingPublicUrlError extends ConfigError {}

/**
 * The callback base URL for a process running `roles`. Throws MissingPublicUrlError for a
 * worker-only process without PUBLIC_URL when `asyncProviders` (ids of configured providers that
 * report back by callback) is not empty.
 */
export function callbackBaseUrl(
  config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>,
  roles: { api: boolean; worker: boolean },
  asyncProviders: readonly string[],
): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '');
  const guess = `http://${config.HOST}:${config.PORT}`;
  if (roles.worker && !roles.api && asyncProviders.length > 0) {
    throw new MissingPublicUrlError(
      [
        'PUBLIC_URL is not set, and this worker-only process runs async providers ' +
          `(${asyncProviders.join(', ')}) that report each job's result by calling the API at ` +
          'PUBLIC_URL/api/providers/callbacks/….',
        `Without it the callbacks would go to ${guess}, where no API of this process listens: jobs would finish only by ` +
          'polling, and callback-only providers would time out.',
        'Fix: set PUBLIC_URL to the base URL at which the providers reach your API processes, for example',
        '  PUBLIC_URL=https://builder.example.com npm run worker',
        '(or run the API in this process with `npm start`, which calls back to itself).',
      ].join('\n'),
    );
  }
  return guess;
}
