// Compiles the `builder` CLI to plain JavaScript (dist/cli/main.js) so it starts without
// compiling TypeScript at run time. Runs at `npm install` (postinstall) and with `npm run build:cli`.
// Dependencies stay external (loaded from node_modules); our own modules are bundled. The list
// of bundled sources goes to dist/cli/inputs.json, so bin/builder.js can tell a stale build.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli');

try {
  // Chunk names carry content hashes: start clean so old chunks do not pile up.
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outdir,
    bundle: true,
    // Code behind a dynamic import (the MCP server) goes to its own chunk, loaded only when used.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(root, input));
  await writeFile(path.join(root, 'dist/cli/inputs.json'), JSON.stringify(inputs));
} catch (err) {
  // Never fail an install over this: bin/builder.js falls back to running the TypeScript with tsx.
  console.error(`[build-cli] could not compile the CLI (bin/builder.js will use tsx): ${err instanceof Error ? err.message : String(err)}`);
}
