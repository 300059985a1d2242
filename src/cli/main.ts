// `builder`: the engineers' CLI over the HTTP API (run, watch, inspect, cancel, replay, list) and
// the MCP stdio server (`builder mcp`). Exit codes: 0 success, 1 the run failed, 2 usage or API error.
import { readFile } from 'node:fs/promises';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../mcp/tools';
import { ApiError, BuilderApiClient, type ExecutionView } from './apiClient';
import { flag, inputsFromPairs, parseArgs, type ParsedArgs } from './args';
import { loadCliConfig } from './config';
import { creditsText, showJson } from './format';
import { watchExecution } from './watch';

const USAGE = `Usage: builder <command> [options]

Commands:
  run <slug> [--input key=value]... [--inputs-file inputs.json] [--async] [--watch]
  watch <executionId>                 live step statuses and streamed text
  inspect <executionId> [--json]      a run and its steps
  cancel <executionId>
  replay <executionId> [--from <stepId>] [--watch]
  list [--workflow slug] [--status s] [--trigger t] [--limit n] [--json]
  mcp                                 MCP server on stdin/stdout (for MCP clients)

Options: --api-url (BUILDER_API_URL, default http://127.0.0.1:3000), --api-key (BUILDER_API_KEY)`;

const BOOLEANS = new Set(['async', 'watch', 'json', 'help']);
const out = { write: (text: string) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true };

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOLEANS);
  const [command, ...rest] = args.positionals;
  if (!command || flag(args, 'help') || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadCliConfig({ apiUrl: flag(args, 'api-url'), apiKey: flag(args, 'api-key') }, process.env);
  const api = new BuilderApiClient({
    baseUrl: config.BUILDER_API_URL,
    apiKey: config.BUILDER_API_KEY,
    ...(config.BUILDER_AGENT_TOKEN ? { agentToken: config.BUILDER_AGENT_TOKEN } : {}),
  });
  const id = () => rest[0] ?? usage(`${command} needs an execution id`);

  switch (command) {
    case 'run':
      return run(api, rest[0] ?? usage('run needs a workflow slug'), args);
    case 'watch':
      return exitCode(await watchExecution(api, id(), out));
    case 'inspect': {
      const execution = await api.getExecution(id());
      if (flag(args, 'json')) out.write(`${JSON.stringify(execution, null, 2)}\n`);
      else out.write(describe(execution));
      return 0;
    }
    case 'cancel': {
      const answer = await api.cancel(id());
      out.write(`cancel requested for ${answer.executionId} (${answer.status})\n`);
      return 0;
    }
    case 'replay': {
      const replay = await api.replay(id(), flag(args, 'from'));
      out.write(`replay ${replay.executionId} of ${replay.parentExecutionId ?? id()}${replay.fromStepId ? ` from step ${replay.fromStepId}` : ''}\n`);
      return flag(args, 'watch') ? exitCode(await watchExecution(api, replay.executionId, out)) : 0;
    }
    case 'list': {
      const limit = flag(args, 'limit');
      const executions = await api.listExecutions({
        workflow: flag(args, 'workflow'),
        status: flag(args, 'status'),
        trigger: flag(args, 'trigger'),
        ...(limit ? { limit: Number(limit) } : {}),
      });
      if (flag(args, 'json')) out.write(`${JSON.stringify(executions, null, 2)}\n`);
      else for (const e of executions) out.write(`${e.id}  ${String(e.workflowSlug ?? '').padEnd(24)} ${e.status.padEnd(10)} ${String(e.triggerType).padEnd(9)} ${creditsText(e).padEnd(24)} ${e.createdAt ?? ''}\n`);
      return 0;
    }
    case 'mcp': {
      // stdout belongs to the protocol from here on: diagnostics go to stderr.
      const server = createMcpServer(api);
      await server.connect(new StdioServerTransport());
      await new Promise<void>((resolve) => process.stdin.once('close', resolve));
      await server.close();
      return 0;
    }
    default:
      return usage(`unknown command "${command}"`);
  }
}

async function run(api: BuilderApiClient, slug: string, args: ParsedArgs): Promise<number> {
  const file = flag(args, 'inputs-file');
  const inputs = {
    ...(file ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {}),
    ...inputsFromPairs(args.flags.get('input') ?? []),
  };
  if (flag(args, 'async') || flag(args, 'watch')) {
    const started = await api.run(slug, inputs, { async: true });
    out.write(`execution ${started.executionId}\n`);
    return flag(args, 'watch') ? exitCode(await watchExecution(api, String(started.executionId), out)) : 0;
  }
  const result = await api.run(slug, inputs);
  out.write(`execution ${result.executionId}: completed in ${result.durationMs} ms, ${result.creditsUsed} credits\n`);
  // Piped output stays complete JSON for scripts; a terminal gets media abbreviated.
  out.write(`${(out as { isTTY?: boolean }).isTTY ? showJson(result.output, 2) : JSON.stringify(result.output, null, 2)}\n`);
  return 0;
}

function describe(execution: ExecutionView): string {
  const lines = [
    `execution ${execution.id}`,
    `  status:   ${execution.status}`,
    `  trigger:  ${execution.triggerType}`,
    `  credits:  ${creditsText(execution)}`,
    `  duration: ${execution.durationMs ?? '-'} ms`,
    ...(execution.parentExecutionId ? [`  replay of ${execution.parentExecutionId}${execution.fromStepId ? ` from ${execution.fromStepId}` : ''}`] : []),
    ...(execution.error ? [`  error:    ${JSON.stringify(execution.error)}`] : []),
    `  output:   ${showJson(execution.output)}`,
    'steps:',
    ...execution.steps.map(
      (step) =>
        `  ${step.id.padEnd(16)} ${step.nodeType.padEnd(18)} ${step.status.padEnd(9)} attempts ${step.attempts ?? 0}` +
        (step.error ? `  error: ${JSON.stringify(step.error)}` : ''),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function exitCode(execution: ExecutionView): number {
  return execution.status === 'completed' ? 0 : 1;
}

function usage(message: string): never {
  throw new UsageError(message);
}

/** Thrown when the command line is wrong. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ApiError) process.stderr.write(`error: ${err.status} ${err.code}: ${err.message}${Object.keys(err.details).length ? ` ${JSON.stringify(err.details)}` : ''}\n`);
    else if (err instanceof UsageError) process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
    else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
