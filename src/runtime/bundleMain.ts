// Child-process entry of bundleWorkflows: bundles the workflow code and writes it as JSON to the
// file named by the first argument, so the bundler's memory never stays in a worker's RSS.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowsHere } from './worker';

const out = process.argv[2];
if (!out) throw new Error('usage: bundleMain <output.json>');
await writeFile(out, JSON.stringify(await bundleWorkflowsHere({ tracing: process.argv.includes('--tracing'), stackTraces: process.argv.includes('--stack-traces') })));
