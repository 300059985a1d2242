// The actions of the public-API commands. Each returns its exit code: 0 success, 1 the run ended
// error/cancelled. Results go to stdout (JSON under --json), progress to the progress channel.
import { BuilderApiClient, type ExecutionFilters, type ExecutionView, type RunEstimate } from '../client/apiClient';
import { loadCliConfig, type ConfigFlags } from './config';
import { describeExecution, formatDuration } from './describe';
import { creditsText, showJson } from './format';
import { readInputs } from './inputs';
import { processOutput, type Output } from './output';
import { watchExecution } from './watch';

/** Options every command accepts. */
export interface GlobalOptions extends ConfigFlags {
  json?: boolean;
}

/** Options of commands that take run inputs. */
interface InputOptions extends GlobalOptions {
  input?: string[];
  inputsFile?: string;
}

/** The public-API command actions, reading configuration from flags and `env`. */
export function runCommands(env: Record<string, string | undefined>) {
  const client = (options: GlobalOptions) => {
    const config = loadCliConfig(options, env);
    return new BuilderApiClient({
      baseUrl: config.BUILDER_API_URL,
      apiKey: config.BUILDER_API_KEY,
      ...(config.BUILDER_AGENT_TOKEN ? { agentToken: config.BUILDER_AGENT_TOKEN } : {}),
    });
  };
  const output = (options: GlobalOptions) => processOutput(options.json === true);

  return {
    async run(slug: string, options: InputOptions & { async?: boolean; watch?: boolean }): Promise<number> {
      const api = client(options);
      const out = output(options);
      const inputs = await readInputs(options);
      if (options.async || options.watch) {
        const started = await api.start(slug, inputs);
        if (!options.watch) {
          out.print(started, () => `execution ${started.executionId}\n`);
          return 0;
        }
        out.progress.write(`execution ${started.executionId}\n`);
        return finished(out, await watchExecution(api, started.executionId, out.progress));
      }
      const result = await api.run(slug, inputs);
      out.print(result, () => {
        const head = `execution ${result.executionId}: completed in ${formatDuration(result.durationMs)}, ${result.creditsUsed} credits\n`;
        // A terminal gets media abbreviated; piped text output stays complete JSON.
        return `${head}${out.result.isTTY ? showJson(result.output, 2) : JSON.stringify(result.output, null, 2)}\n`;
      });
      return 0;
    },

    async estimate(slug: string, options: InputOptions): Promise<number> {
      const api = client(options);
      const estimate = await api.estimate(slug, await readInputs(options));
      output(options).print(estimate, () => describeEstimate(estimate));
      return 0;
    },

    async watch(id: string, options: GlobalOptions): Promise<number> {
      const out = output(options);
      return finished(out, await watchExecution(client(options), id, out.progress));
    },

    async inspect(id: string, options: GlobalOptions): Promise<number> {
      const execution = await client(options).getExecution(id);
      output(options).print(execution, () => describeExecution(execution));
      return 0;
    },

    async cancel(id: string, options: GlobalOptions): Promise<number> {
      const answer = await client(options).cancel(id);
      output(options).print(answer, () => `cancel requested for ${answer.executionId} (${answer.status})\n`);
      return 0;
    },

    async replay(id: string, options: GlobalOptions & { from?: string; watch?: boolean }): Promise<number> {
      const api = client(options);
      const out = output(options);
      const replay = await api.replay(id, options.from);
      const line = `replay ${replay.executionId} of ${replay.parentExecutionId ?? id}${replay.fromStepId ? ` from step ${replay.fromStepId}` : ''}\n`;
      if (!options.watch) {
        out.print(replay, () => line);
        return 0;
      }
      out.progress.write(line);
      return finished(out, await watchExecution(api, replay.executionId, out.progress));
    },

    async list(options: GlobalOptions & ExecutionFilters): Promise<number> {
      const listed = await client(options).listExecutions({
        ...(options.workflow ? { workflow: options.workflow } : {}),
        ...(options.status ? { status: options.status } : {}),
        ...(options.trigger ? { trigger: options.trigger } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      });
      // --json prints the API's answer as it came, like every other command.
      output(options).print(listed, () =>
        listed.executions
          .map((e) => `${e.id}  ${(e.workflowSlug ?? '').padEnd(24)} ${e.status.padEnd(10)} ${e.triggerType.padEnd(9)} ${creditsText(e).padEnd(24)} ${e.createdAt ?? ''}\n`)
          .join(''),
      );
      return 0;
    },

    async workflows(options: GlobalOptions): Promise<number> {
      const listed = await client(options).listWorkflows();
      output(options).print(listed, () =>
        listed.workflows.length === 0
          ? 'No workflows this key may run.\n'
          : listed.workflows
              .map((w) => {
                const inputs = w.inputs ? w.inputs.map((i) => `${i.name}${i.required ? '' : '?'}: ${i.type}`).join(', ') : `cannot run: ${w.invalid?.code ?? 'invalid'} (${w.invalid?.message ?? ''})`;
                return `${w.slug.padEnd(28)} ${w.name.padEnd(28)} ${inputs}\n`;
              })
              .join(''),
      );
      return 0;
    },

    async schema(slug: string, options: GlobalOptions): Promise<number> {
      const schema = await client(options).getSchema(slug);
      output(options).print(schema, () => `${JSON.stringify(schema, null, 2)}\n`);
      return 0;
    },

    async mcp(options: GlobalOptions): Promise<number> {
      // Loaded only here: the MCP SDK is not needed by (and would slow down) every other command.
      const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([
        import('@modelcontextprotocol/sdk/server/stdio.js'),
        import('../mcp/tools'),
      ]);
      // stdout belongs to the protocol from here on: diagnostics go to stderr.
      const server = createMcpServer(client(options));
      await server.connect(new StdioServerTransport());
      await new Promise<void>((resolve) => process.stdin.once('close', resolve));
      await server.close();
      return 0;
    },
  };
}

/** Prints a watched run's final view under --json (the text was written live) and maps its status to the exit code. */
function finished(out: Output, execution: ExecutionView): number {
  if (out.json) out.result.write(`${JSON.stringify(execution, null, 2)}\n`);
  return execution.status === 'completed' ? 0 : 1;
}

/** The text of `builder estimate`. */
function describeEstimate(estimate: RunEstimate): string {
  const lines = [
    `${estimate.slug} at tier ${estimate.tier}: ${estimate.creditsFromBalance} credits from your balance (${estimate.creditBalance} available)` +
      (estimate.creditsTotal !== estimate.creditsFromBalance ? `, ${estimate.creditsTotal - estimate.creditsFromBalance} from trial grants` : ''),
    ...estimate.steps.map((step) => `  ${step.stepId.padEnd(16)} ${(step.model ?? step.nodeType).padEnd(20)} ${String(step.credits).padStart(6)} credits  ${step.paidBy}`),
    estimate.admissible ? 'The run would be admitted.' : 'The run would be refused:',
    ...estimate.refusals.map((refusal) => `  ${refusal.status} ${refusal.code}: ${refusal.message}`),
  ];
  return `${lines.join('\n')}\n`;
}
