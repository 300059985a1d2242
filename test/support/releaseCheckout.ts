// An earlier release of this project, as a deploy would have installed it: its files at a commit
// (git archive), this checkout's node_modules, its own Prisma client and compiled entry points.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** This checkout's root. */
export const CHECKOUT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Thrown when the release's commit is not in this clone (a shallow clone, say). */
export class ReleaseUnavailable extends Error {
  override readonly name = 'ReleaseUnavailable';
}

/** A release laid out in a temporary folder; `remove()` deletes it. */
export interface ReleaseCheckout {
  dir: string;
  commit: string;
  remove(): Promise<void>;
}

/** Lays out the release at `commit` and builds what `npm install` would (Prisma client, dist/server). */
export async function checkoutRelease(commit: string): Promise<ReleaseCheckout> {
  try {
    await run('git', ['-C', CHECKOUT_ROOT, 'cat-file', '-e', `${commit}^{commit}`]);
  } catch {
    throw new ReleaseUnavailable(`commit ${commit} is not in this clone (a shallow clone?): fetch it to run the upgrade test`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), `builder-release-${commit}-`));
  try {
    await new Promise<void>((resolve, reject) => {
      const archive = spawn('git', ['-C', CHECKOUT_ROOT, 'archive', '--format=tar', commit], { stdio: ['ignore', 'pipe', 'inherit'] });
      const extract = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'inherit', 'inherit'] });
      archive.stdout.pipe(extract.stdin);
      extract.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`))));
      archive.once('error', reject);
    });
    await symlink(path.join(CHECKOUT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await run(process.execPath, ['scripts/prisma-generate.mjs'], { cwd: dir });
    await run(process.execPath, ['scripts/build.mjs'], { cwd: dir });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, commit, remove: () => rm(dir, { recursive: true, force: true }) };
}
