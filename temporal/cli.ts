// Finds the Temporal CLI (which embeds the dev server) without downloads from temporal.io, which
// are unreachable on some machines: an explicit path, then PATH, then a per-user cache, then a
// build from the Go module proxy at a pinned version. Run as a script, it prints the path.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builderCacheDir, findGo, goInstallIntoCache, GoBuildError, isExecutable, which } from './goBuild';

/** The CLI release we build and test against. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Options for {@link locateTemporalCli}. */
export interface LocateOptions {
  /** Build with `go install` when nothing is found (default true). */
  build?: boolean;
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where to look for Go when it is not on PATH (default: the official installer's /usr/local/go/bin/go). */
  goFallbackPaths?: readonly string[];
}

/** Folder of the cached build for a version: `${XDG_CACHE_HOME:-~/.cache}/builder-studio/temporal-cli/<version>`. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env, version = TEMPORAL_CLI_VERSION): string {
  return builderCacheDir(env, 'temporal-cli', version);
}

/**
 * Path of a Temporal CLI, looked up in this order: `TEMPORAL_CLI_PATH`; `temporal` on PATH; the
 * per-user cache; a fresh `go install` of {@link TEMPORAL_CLI_VERSION} into that cache when Go is
 * installed. Undefined when none of these works (startLocalTemporal then falls back to the SDK's download).
 */
export async function locateTemporalCli(
  log: (msg: string) => void = () => undefined,
  options: LocateOptions = {},
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (await isExecutable(explicit)) return path.resolve(explicit);
    log(`TEMPORAL_CLI_PATH=${explicit} is not an executable file; looking elsewhere.`);
  }
  const onPath = await which('temporal', env);
  if (onPath) return onPath;

  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;

  if (options.build === false) return undefined;
  const go = await findGo(env, options.goFallbackPaths);
  if (!go) {
    log(`No Temporal CLI found and Go is not installed, so it cannot be built (looked in TEMPORAL_CLI_PATH, PATH and ${cacheDir}).`);
    return undefined;
  }
  try {
    await goInstallIntoCache({
      go,
      cacheDir,
      version: TEMPORAL_CLI_VERSION,
      programs: [{ pkg: MODULE, installedName: 'temporal', name: 'temporal' }],
      what: 'the Temporal CLI',
      log,
      env,
    });
    return cached;
  } catch (err) {
    const hint =
      err instanceof GoBuildError
        ? '\nIf the module cannot be installed directly (replace directives in newer releases), build it by hand: see TEMPORAL-NOTES.'
        : '';
    log(`Building the Temporal CLI failed: ${err instanceof Error ? err.message : String(err)}${hint}`);
    return undefined;
  }
}

// `tsx temporal/cli.ts`: print the path (building it if needed), or exit 1. No top-level await:
// this module is also imported by code that may be loaded through `require`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void locateTemporalCli((msg) => console.error(msg)).then((found) => {
    if (found) console.log(found);
    else {
      console.error('No Temporal CLI available.');
      process.exitCode = 1;
    }
  });
}
