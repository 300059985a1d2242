// Builds Go programs from the Go module proxy into a per-user cache folder, once per machine:
// a private GOBIN renamed into place (a reader never sees half a binary) under a lock file that
// makes concurrent callers (test runs, API and worker) wait for one build.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import path from 'node:path';

/** A build takes minutes on a warm machine; a lock older than this belongs to a dead build. */
const STALE_LOCK_MS = 30 * 60_000;

/** Thrown when a Go build (or another command run for it) fails. */
export class GoBuildError extends Error {
  override readonly name = 'GoBuildError';
}

/** `${XDG_CACHE_HOME:-~/.cache}/builder-studio/<parts…>`. */
export function builderCacheDir(env: NodeJS.ProcessEnv, ...parts: string[]): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(cacheHome, 'builder-studio', ...parts);
}

/** The `go` executable: on PATH, or the usual install location; undefined without Go. */
export async function findGo(env: NodeJS.ProcessEnv, fallbackPaths: readonly string[] = ['/usr/local/go/bin/go']): Promise<string | undefined> {
  const onPath = await which('go', env);
  if (onPath) return onPath;
  for (const candidate of fallbackPaths) if (await isExecutable(candidate)) return candidate;
  return undefined;
}

/** One program to build: `go install <pkg>@<version>` yields `installedName`, kept as `name`. */
export interface GoProgram {
  pkg: string;
  installedName: string;
  name: string;
}

/**
 * `go install`s the programs (all of one module version) into `cacheDir` unless they are all there;
 * `after` runs inside the lock before the lock is released (e.g. to copy files from the module).
 */
export async function goInstallIntoCache(options: {
  go: string;
  cacheDir: string;
  version: string;
  programs: GoProgram[];
  what: string;
  log: (msg: string) => void;
  env: NodeJS.ProcessEnv;
  after?: (goEnv: NodeJS.ProcessEnv) => Promise<void>;
}): Promise<void> {
  const { go, cacheDir, version, programs, what, log, env } = options;
  const done = async () => (await Promise.all(programs.map((p) => isExecutable(path.join(cacheDir, p.name))))).every(Boolean);
  await mkdir(cacheDir, { recursive: true });
  const lockFile = path.join(cacheDir, '.build.lock');
  await acquireBuildLock(lockFile, what, log);
  try {
    // Someone may have finished the build while we waited for the lock.
    if (await done()) return;
    const gobin = await mkdtemp(path.join(cacheDir, '.build-'));
    const goEnv = { ...env, GOBIN: gobin, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
    try {
      log(`Building ${what} ${version} with Go into ${cacheDir} (a few minutes, once per machine)…`);
      const started = Date.now();
      await runCommand(go, ['install', ...programs.map((p) => `${p.pkg}@${version}`)], {
        env: goEnv,
        heartbeat: () => log(`…still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`),
      });
      await options.after?.(goEnv);
      for (const program of programs) await rename(path.join(gobin, program.installedName), path.join(cacheDir, program.name));
      log(`Built ${what} in ${Math.round((Date.now() - started) / 1000)} s: ${cacheDir}`);
    } finally {
      await rm(gobin, { recursive: true, force: true });
    }
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Creates the lock file exclusively; waits while a live build holds it, takes over a dead one's. */
async function acquireBuildLock(lockFile: string, what: string, log: (msg: string) => void): Promise<void> {
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
      log(`Removing a stale build lock (${lockFile}).`);
      await rm(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      log(`Another process is building ${what}; waiting for it (${lockFile})…`);
      announced = true;
    }
    // When the other build finishes it removes the lock; we then take it and find the binary.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function isStaleLock(lockFile: string): Promise<boolean> {
  const [info, content] = await Promise.all([stat(lockFile).catch(() => undefined), readFile(lockFile, 'utf8').catch(() => '')]);
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

/** Runs a command, keeping the end of its output for the error (and returning stdout), calling heartbeat every 30 s. */
export function runCommand(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; heartbeat?: () => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      keep(chunk);
    });
    child.stderr.on('data', keep);
    const timer = opts.heartbeat ? setInterval(opts.heartbeat, 30_000) : undefined;
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) resolve(stdout);
      else reject(new GoBuildError(`\`${command} ${args.join(' ')}\` exited with ${code ?? signal}:\n${output.trim()}`));
    });
  });
}

/** True for an existing executable file. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `which`: the first executable of that name on PATH. */
export async function which(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}
