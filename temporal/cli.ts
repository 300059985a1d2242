// Finds the Temporal CLI (which embeds the dev server) without downloads from temporal.io, which
// are unreachable on some machines: an explicit path, then PATH, then a per-user cache, then a
// build from the Go module proxy at a pinned version. Run as a script, it prints the path.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The CLI release we build and test against. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

const MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** A build takes 3-4 minutes on a warm machine; a lock older than this belongs to a dead build. */
const STALE_LOCK_MS = 30 * 60_000;

/** Options for {@link locateTemporalCli}. */
export interface LocateOptions {
  /** Build with `go install` when nothing is found (default true). */
  build?: boolean;
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where to look for Go when it is not on PATH (default: the official installer's /usr/local/go/bin/go). */
  goFallbackPaths?: readonly string[];
}

/** Thrown when building the CLI with Go fails. */
export class TemporalCliBuildError extends Error {
  override readonly name = 'TemporalCliBuildError';
}

/** Folder of the cached build for a version: `${XDG_CACHE_HOME:-~/.cache}/builder-studio/temporal-cli/<version>`. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env, version = TEMPORAL_CLI_VERSION): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(cacheHome, 'builder-studio', 'temporal-cli', version);
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
  const go = (await which('go', env)) ?? (await firstExecutable(options.goFallbackPaths ?? ['/usr/local/go/bin/go']));
  if (!go) {
    log(`No Temporal CLI found and Go is not installed, so it cannot be built (looked in TEMPORAL_CLI_PATH, PATH and ${cacheDir}).`);
    return undefined;
  }
  try {
    return await buildIntoCache(go, cacheDir, log, env);
  } catch (err) {
    log(`Building the Temporal CLI failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * Builds into a private GOBIN and renames the result into place, so a reader never sees half a
 * binary; a lock file makes concurrent callers (test runs, API and worker) wait for one build.
 */
async function buildIntoCache(
  go: string,
  cacheDir: string,
  log: (msg: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const target = path.join(cacheDir, 'temporal');
  const lockFile = path.join(cacheDir, '.build.lock');
  await acquireBuildLock(lockFile, log);
  try {
    // Someone may have finished the build while we waited for the lock.
    if (await isExecutable(target)) return target;
    const gobin = await mkdtemp(path.join(cacheDir, '.build-'));
    try {
      log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir} (a few minutes, once per machine)…`);
      const started = Date.now();
      await run(go, ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...env, GOBIN: gobin, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
        heartbeat: () => log(`…still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
      });
      await rename(path.join(gobin, 'temporal'), target);
      log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
      return target;
    } finally {
      await rm(gobin, { recursive: true, force: true });
    }
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Creates the lock file exclusively; waits while a live build holds it, takes over a dead one's. */
async function acquireBuildLock(lockFile: string, log: (msg: string) => void): Promise<void> {
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStaleLock(lockFile)) {
      log(`Removing a stale Temporal CLI build lock (${lockFile}).`);
      await rm(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      log(`Another process is building the Temporal CLI; waiting for it (${lockFile})…`);
      announced = true;
    }
    // When the other build finishes it removes the lock; we then take it and find the binary.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function isStaleLock(lockFile: string): Promise<boolean> {
  const [info, content] = await Promise.all([
    stat(lockFile).catch(() => undefined),
    readFile(lockFile, 'utf8').catch(() => ''),
  ]);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
  try {
    const owner = JSON.parse(content) as { pid?: number; host?: string };
    if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    // ESRCH: the owner is gone. A half-written lock (JSON error) is young: give it time.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Runs a command, keeping the end of its output for the error, and calling heartbeat every 30 s. */
function run(
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; heartbeat: () => void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setInterval(opts.heartbeat, 30_000);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else
        reject(
          new TemporalCliBuildError(
            `\`${command} ${args.join(' ')}\` exited with ${code ?? signal}:\n${output.trim()}\n` +
              'If the module cannot be installed directly (replace directives in newer releases), build it by hand: see TEMPORAL-NOTES.',
          ),
        );
    });
  });
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function firstExecutable(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  return undefined;
}

/** Like `which`: the first executable of that name on PATH. */
async function which(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
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
