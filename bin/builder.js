#!/usr/bin/env node
// The `builder-studio` CLI. Runs the compiled dist/cli/main.js (built at `npm install`, or with
// `npm run build`) when it is newer than every source it was built from; otherwise runs
// src/cli/main.ts through tsx's loader. Both in this same process, so `builder-studio mcp` keeps
// stdin/stdout to itself for the MCP stdio transport.
import { fileURLToPath } from 'node:url';
import { isFresh } from './compiled.js';

if (isFresh(fileURLToPath(new URL('../dist/cli', import.meta.url)), ['main'])) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
