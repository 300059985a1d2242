#!/usr/bin/env node
// Runs one of the engine's processes: `node bin/run.js start|server|worker` is what `npm start`,
// `npm run server` and `npm run worker` do. It runs the compiled dist/server/<name>.js (see
// scripts/build.mjs) when that is newer than every source it was built from; otherwise
// src/<name>.ts through tsx's loader, and says so. Either way in this same process: its pid is
// the service's, and signals reach the code that handles them.
import { fileURLToPath } from 'node:url';
import { isFresh } from './compiled.js';

const ENTRIES = ['start', 'server', 'worker'];
const name = process.argv[2];
if (!ENTRIES.includes(name)) {
  console.error(`usage: node bin/run.js <${ENTRIES.join('|')}>`);
  process.exit(2);
}
process.argv.splice(2, 1);

if (isFresh(fileURLToPath(new URL('../dist/server', import.meta.url)), [...ENTRIES, 'bundleMain'])) {
  await import(`../dist/server/${name}.js`);
} else {
  console.warn(`[run] dist/server is missing or older than the sources: running src/${name}.ts through tsx (\`npm run build\` compiles it again).`);
  const { register } = await import('tsx/esm/api');
  register();
  await import(`../src/${name}.ts`);
}
