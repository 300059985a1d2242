// Compiles our TypeScript entry points to plain JavaScript, so they start without compiling
// TypeScript at run time (tsx's loader costs a worker 60–90 MB of RSS, and start-up time):
//   dist/cli/main.js                      the `builder` CLI (bin/builder.js runs it)
//   dist/server/{start,server,worker}.js  `npm start`, `npm run server`, `npm run worker` (bin/run.js runs them)
//   dist/server/bundleMain.js             the workflow bundler's child process (src/runtime/worker.ts)
// Runs at `npm install` (postinstall) and with `npm run build`; `--if-stale` builds only targets
// older than one of their sources. Dependencies stay external (loaded from node_modules); our own
// modules are bundled. Each target lists its sources in inputs.json, which tells a stale build
// (bin/compiled.js).
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { isFresh } from '../bin/compiled.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const targets = [
  { name: 'cli', entryPoints: { main: 'src/cli/main.ts' }, fallback: 'bin/builder.js will use tsx' },
  {
    name: 'server',
    entryPoints: { start: 'src/start.ts', server: 'src/server.ts', worker: 'src/worker.ts', bundleMain: 'src/runtime/bundleMain.ts' },
    fallback: 'bin/run.js will use tsx',
  },
];

const ifStale = process.argv.includes('--if-stale');
let failed = false;
for (const target of targets) {
  const outdir = path.join(root, 'dist', target.name);
  if (ifStale && isFresh(outdir, Object.keys(target.entryPoints))) continue;
  // Built beside the target and swapped in whole: chunk names carry content hashes, so old chunks
  // do not pile up, and a process starting meanwhile never sees half a build.
  const staging = `${outdir}.building-${process.pid}`;
  // A source saved while the build reads it is newer than this, so the next check rebuilds.
  const builtAt = Date.now();
  try {
    const result = await build({
      entryPoints: Object.fromEntries(Object.entries(target.entryPoints).map(([out, source]) => [out, path.join(root, source)])),
      outdir: staging,
      bundle: true,
      // Code behind a dynamic import (the CLI's MCP server) goes to its own chunk, loaded only when used.
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    });
    // Relative to the target's folder, so a copy of the checkout (with its dist/) checks its own sources.
    const inputs = Object.keys(result.metafile.inputs).map((input) => path.relative(outdir, path.resolve(root, input)));
    await writeFile(path.join(staging, 'inputs.json'), JSON.stringify({ builtAt, inputs }));
    await rm(outdir, { recursive: true, force: true });
    await rename(staging, outdir);
  } catch (err) {
    // Never fail an install over this: the launchers fall back to running the TypeScript with tsx.
    failed = true;
    await rm(staging, { recursive: true, force: true });
    console.error(`[build] could not compile dist/${target.name} (${target.fallback}): ${err instanceof Error ? err.message : String(err)}`);
  }
}
// `npm run build` fails loudly; at install and in the scripts' pre-steps (--if-stale) the launchers fall back instead.
if (failed && !ifStale && process.env.npm_lifecycle_event !== 'postinstall') process.exitCode = 1;
