// An earlier release of this project, as a deploy would have installed it: its files at a commit
// (git archive), this checkout's node_modules, its own Prisma client and compiled entry points.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
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
    await linkDependencies(dir);
    await run(process.execPath, ['scripts/prisma-generate.mjs'], { cwd: dir });
    await run(process.execPath, ['scripts/build.mjs'], { cwd: dir });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, commit, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The release's node_modules: links to this checkout's packages, plus the packages the release
 * depends on that this checkout no longer has (installed from the registry into the release's
 * folder, as a deploy of that release would have them).
 */
async function linkDependencies(dir: string): Promise<void> {
  const current = path.join(CHECKOUT_ROOT, 'node_modules');
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const missing = Object.entries(pkg.dependencies ?? {}).filter(([name]) => !existsSync(path.join(current, name)));
  const sources = [current];
  if (missing.length > 0) {
    const extra = path.join(dir, '.release-deps');
    await mkdir(extra, { recursive: true });
    await run('npm', ['install', '--prefix', extra, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', ...missing.map(([name, range]) => `${name}@${range}`)], { maxBuffer: 16 * 1024 * 1024 });
    sources.push(path.join(extra, 'node_modules'));
  }
  const target = path.join(dir, 'node_modules');
  await mkdir(target, { recursive: true });
  for (const source of sources) {
    for (const entry of await readdir(source)) {
      if (entry.startsWith('@')) {
        await mkdir(path.join(target, entry), { recursive: true });
        for (const scoped of await readdir(path.join(source, entry))) {
          if (!existsSync(path.join(target, entry, scoped))) await symlink(path.join(source, entry, scoped), path.join(target, entry, scoped), 'dir');
        }
      } else if (!existsSync(path.join(target, entry))) {
        await symlink(path.join(source, entry), path.join(target, entry), 'dir');
      }
    }
  }
}
