#!/usr/bin/env node
// The `builder` CLI. Runs the compiled dist/cli/main.js (built at `npm install`, or with
// `npm run build:cli`) when it is newer than every source it was built from; otherwise runs
// src/cli/main.ts through tsx's loader. Both in this same process, so `builder mcp` keeps
// stdin/stdout to itself for the MCP stdio transport.
import { readFileSync, statSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);

function compiledIsFresh() {
  try {
    const builtAt = statSync(compiled).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('../dist/cli/inputs.json', import.meta.url), 'utf8'));
    return inputs.every((input) => statSync(input).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

if (compiledIsFresh()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
