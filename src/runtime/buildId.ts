// The worker's build id: which code a worker runs, reported to Temporal (the Workers view of the
// UI, task queue descriptions, Worker Versioning) and printed in the worker's start-up line.
// Default: the package version plus the git commit (`0.1.0+d8e11de`); WORKER_BUILD_ID overrides.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { projectPath } from '../paths';

/** The package version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The checkout's short commit, or undefined outside a git checkout (or without git). */
export function gitCommit(): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: projectPath(), timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = out.toString('utf8').trim();
    return /^[0-9a-f]{7,40}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** The explicit id (config's `WORKER_BUILD_ID`) when set, else `<package version>+<git commit>` (`+unknown` outside a checkout). */
export function resolveBuildId(explicit?: string): string {
  const trimmed = explicit?.trim();
  if (trimmed) return trimmed;
  return `${packageVersion()}+${gitCommit() ?? 'unknown'}`;
}
