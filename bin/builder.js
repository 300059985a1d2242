#!/usr/bin/env node
// The `builder` CLI: runs src/cli/main.ts through tsx's loader in this same process (so `builder mcp`
// keeps stdin/stdout to itself for the MCP stdio transport).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
