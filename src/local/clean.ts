// `npm run clean`: removes what a local `npm start` left on this machine: the data folder (embedded
// Postgres, Temporal dev server state, media, the admin token and demo key) and, as root, the
// embedded cluster kept under /var/lib/builder-studio. It stops nothing: a cluster still running is
// left alone and named. `--orphans` also removes the clusters of clones that no longer exist.
import { access, readdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ROOT_DATA_DIR, relocatedDataDir } from './postgresBinaries';

/** What a clean did. */
export interface CleanReport {
  removed: string[];
  /** Folders left in place, and why. */
  kept: Array<{ path: string; why: string }>;
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** The pid of the Postgres running from `cluster`, when one is. */
async function runningPostgres(cluster: string): Promise<number | undefined> {
  const pid = Number((await readFile(path.join(cluster, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Removes the local data of the checkout at `projectRoot` whose DATA_DIR is `dataDir`. */
export async function cleanLocalData(opts: { dataDir: string; projectRoot: string; dataRoot?: string; orphans?: boolean }): Promise<CleanReport> {
  const report: CleanReport = { removed: [], kept: [] };
  const dataDir = path.resolve(opts.projectRoot, opts.dataDir);
  const dataRoot = opts.dataRoot ?? ROOT_DATA_DIR;
  // Never a folder that holds the project, the home folder or the root.
  if ([path.parse(dataDir).root, homedir()].includes(dataDir) || !path.relative(dataDir, opts.projectRoot).startsWith('..')) {
    throw new Error(`DATA_DIR=${opts.dataDir} is ${dataDir}, which holds more than this project's data: refusing to remove it.`);
  }
  const clusters = [path.join(dataDir, 'postgres'), relocatedDataDir(path.join(dataDir, 'postgres'), dataRoot)];
  if (opts.orphans) {
    for (const name of await readdir(dataRoot).catch(() => [] as string[])) {
      if (!name.endsWith('.origin')) continue;
      const origin = (await readFile(path.join(dataRoot, name), 'utf8')).trim();
      // The data folder is gone (the clone was deleted): nothing can use this cluster again.
      if (!(await exists(path.dirname(origin)))) clusters.push(path.join(dataRoot, name.slice(0, -'.origin'.length)));
    }
  }
  const running = new Map<string, number>();
  for (const cluster of clusters) {
    const pid = await runningPostgres(cluster);
    if (pid) running.set(cluster, pid);
  }
  for (const cluster of clusters.slice(1)) {
    if (running.has(cluster)) {
      report.kept.push({ path: cluster, why: `its Postgres is running (pid ${running.get(cluster)}): stop npm start first` });
      continue;
    }
    for (const target of [cluster, `${cluster}.origin`]) {
      if (!(await exists(target))) continue;
      await rm(target, { recursive: true, force: true });
      report.removed.push(target);
    }
  }
  if (running.has(clusters[0]!)) {
    report.kept.push({ path: dataDir, why: `its Postgres is running (pid ${running.get(clusters[0]!)}): stop npm start first` });
  } else if (await exists(dataDir)) {
    await rm(dataDir, { recursive: true, force: true });
    report.removed.push(dataDir);
  }
  return report;
}
