// A real browser for the run viewer's tests: Debian's Chromium driven by playwright-core (no
// browser download). `.ci/run` installs the package when missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where screenshots go: a CI artifact folder (gitignored). */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../.artifacts');

/** Chromium's path: CHROMIUM_PATH or Debian's. */
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium as CI runs it (root, so no sandbox; nothing phones home). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Builds web/dist when missing or older than its sources (what `npm test` does first). */
export function ensureViewerBuilt(): void {
  const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../scripts/build-web.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('Building the run viewer failed (see above).');
}

/** The path of an artifact, creating the folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
