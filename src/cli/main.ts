// `builder`: the engineers' CLI over the HTTP API (run, watch, inspect, cancel, replay, list,
// estimate), the admin set-up commands, and the MCP stdio server (`builder-studio mcp`).
// Exit codes: 0 success, 1 the run ended error/cancelled, 2 usage, connection or API error.
import { CommanderError } from 'commander';
import { ApiConnectionError, ApiError } from '../client/transport';
import { UsageError } from './errors';
import { buildProgram } from './program';

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let code = 0;
  const program = buildProgram(env, (exit) => (code = exit));
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    return report(err, argv.includes('--json'));
  }
}

/** Writes an error for people (stderr) and, under --json, as the one JSON document on stdout. */
function report(err: unknown, json: boolean): number {
  let error: Record<string, unknown>;
  let exit = 2;
  if (err instanceof CommanderError) {
    // Commander already printed its own message (or the help it was asked for) on stderr.
    if (err.exitCode === 0) return 0;
    error = { code: 'USAGE', message: err.message.replace(/^error: /, '') };
  } else if (err instanceof ApiError) {
    error = { code: err.code, status: err.status, message: err.message, ...err.details };
    process.stderr.write(`error: ${err.status} ${err.code}: ${err.message}${Object.keys(err.details).length ? ` ${JSON.stringify(err.details)}` : ''}\n`);
    // A sync run that failed is the run failing, like a watched one.
    if (err.code === 'EXECUTION_FAILED') exit = 1;
  } else if (err instanceof ApiConnectionError) {
    error = { code: 'CONNECTION_FAILED', message: err.message, url: err.url, reason: err.reason };
    process.stderr.write(`error: ${err.message}\n`);
  } else if (err instanceof UsageError) {
    error = { code: 'USAGE', message: err.message };
    process.stderr.write(`error: ${err.message}\n(add --help for usage)\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    error = { code: 'CLI_ERROR', message };
    process.stderr.write(`error: ${message}\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ success: false, error }, null, 2)}\n`);
  return exit;
}

// Run when executed (bin/builder.js, tsx src/cli/main.ts), not when imported by tests.
if (process.argv[1] && /(?:^|[/\\])(?:main\.(?:ts|js)|builder(?:-studio)?(?:\.js)?)$/.test(process.argv[1])) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
