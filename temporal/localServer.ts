// The local Temporal that `npm start` runs when TEMPORAL_ADDRESS is unset. In order: a Temporal
// CLI found or built without downloads (temporal/cli.ts), then the Temporal SDK's own download of
// the dev server (needs temporal.download), and when both fail an error naming the install routes.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/workflows/searchAttributes';
import { locateTemporalCli, temporalCliCacheDir, type LocateOptions } from './cli';
import { startDevServer, type DevServer } from './devServer';

/** How to install the Temporal CLI, for people who have neither it nor Go. */
export const TEMPORAL_INSTALL_HELP = [
  'Install the Temporal CLI in one of the official ways, then start again:',
  '  brew install temporal                       (Homebrew, macOS and Linux)',
  '  the release download: https://temporal.download/cli/archive/latest?platform=linux&arch=amd64',
  '    (platform linux|darwin|windows, arch amd64|arm64; or https://github.com/temporalio/cli/releases),',
  '    extract the archive and put the `temporal` binary on PATH or set TEMPORAL_CLI_PATH=/path/to/temporal.',
  'Or point at a running server instead: TEMPORAL_ADDRESS=host:7233.',
].join('\n');

/** Thrown when no local Temporal can be had: no CLI, no Go to build one, and the SDK download failed. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

/** Options of {@link startLocalTemporal}. */
export interface LocalTemporalOptions {
  /** SQLite file that keeps the server's state across restarts. */
  dbFile: string;
  /** Frontend and UI ports; free ones when unset. */
  port?: number;
  uiPort?: number;
  /** The dev server's HTTP API and metrics ports; free ones when unset. */
  httpPort?: number;
  metricsPort?: number;
  namespace: string;
  log: (message: string) => void;
  /** How to look for the CLI (tests pass an empty PATH). */
  locate?: LocateOptions;
  /** Where the SDK download goes (default: the per-user cache, next to the built CLI). */
  downloadDir?: string;
  /** The Web UI's remote codec endpoint (the CLI's dev server only). */
  uiCodecEndpoint?: string;
}

/** A running local Temporal, and the CLI that talks to it when one is known. */
export interface LocalTemporal extends DevServer {
  /** Path of a `temporal` executable, for the start-up banner's `workflow list` line. */
  cliPath?: string;
  /** Where the server came from. */
  source: 'cli' | 'sdk-download';
}

/** Starts a local dev server from the first source that works; see the module comment. */
export async function startLocalTemporal(opts: LocalTemporalOptions): Promise<LocalTemporal> {
  const executable = await locateTemporalCli(opts.log, opts.locate);
  if (executable) {
    const server = await startDevServer({
      executable,
      dbFile: opts.dbFile,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.uiPort !== undefined ? { uiPort: opts.uiPort } : {}),
      ...(opts.httpPort !== undefined ? { httpPort: opts.httpPort } : {}),
      ...(opts.metricsPort !== undefined ? { metricsPort: opts.metricsPort } : {}),
      namespace: opts.namespace,
      log: opts.log,
      ...(opts.uiCodecEndpoint ? { uiCodecEndpoint: opts.uiCodecEndpoint } : {}),
    });
    return { ...server, cliPath: executable, source: 'cli' };
  }
  const downloadDir = opts.downloadDir ?? temporalCliCacheDir(opts.locate?.env ?? process.env, 'sdk-download');
  opts.log(`Trying the Temporal SDK's own download of the dev server into ${downloadDir} (needs access to temporal.download)…`);
  try {
    return await startSdkDevServer({ ...opts, downloadDir });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new TemporalUnavailableError(
      `No Temporal CLI was found (TEMPORAL_CLI_PATH, PATH, ${temporalCliCacheDir(opts.locate?.env ?? process.env)}), ` +
        `Go is not installed to build one, and the Temporal SDK's download of the dev server failed: ${reason}\n${TEMPORAL_INSTALL_HELP}`,
      { cause: err },
    );
  }
}

/** The dev server through @temporalio/testing's `cached-download` executable. */
async function startSdkDevServer(opts: LocalTemporalOptions & { downloadDir: string }): Promise<LocalTemporal> {
  // Loaded lazily: most starts find a CLI and never need the testing package.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const ip = '127.0.0.1';
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: opts.downloadDir },
      ip,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ui: true,
      ...(opts.uiPort !== undefined ? { uiPort: opts.uiPort } : {}),
      dbFilename: path.resolve(opts.dbFile),
      namespace: opts.namespace,
      log: { format: 'pretty', level: 'warn' },
      extraArgs: [
        ...SEARCH_ATTRIBUTE_DEFINITIONS.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]),
        '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL',
      ],
    },
  });
  const port = Number(env.address.split(':').at(-1));
  const uiPort = opts.uiPort ?? port + 1000;
  const cliPath = await downloadedExecutable(opts.downloadDir);
  opts.log(`Temporal dev server (SDK download) ready at ${env.address}, UI at http://${ip}:${uiPort}.`);
  return {
    address: env.address,
    namespace: opts.namespace,
    uiUrl: `http://${ip}:${uiPort}`,
    ...(cliPath ? { cliPath } : {}),
    source: 'sdk-download',
    stop: () => env.teardown(),
  };
}

/** The executable the SDK downloaded (its file name is the SDK's business), if we can tell. */
async function downloadedExecutable(dir: string): Promise<string | undefined> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && name.startsWith('temporal') && (info.mode & 0o111) !== 0) return file;
  }
  return undefined;
}
