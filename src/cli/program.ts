// The `builder-studio` command line, declared with commander: every command, its options and its help.
// The actions live in ./commands.ts (public API) and ./adminCommands.ts (admin API).
import { Command, Option } from 'commander';
import { adminCommands } from './adminCommands';
import { runCommands, type GlobalOptions } from './commands';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const positiveInt = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`not a positive integer: ${value}`);
  return parsed;
};

const EXIT_CODES = `
Exit codes: 0 success; 1 the run ended error/cancelled; 2 usage, connection or API error.
With --json, stdout holds exactly one JSON document (errors as {"success":false,"error":{…}});
progress and live lines go to stderr.`;

/** Builds the program; `setExitCode` receives each command's exit code. */
export function buildProgram(env: Record<string, string | undefined>, setExitCode: (code: number) => void): Command {
  const program = new Command('builder-studio')
    .description('Run, watch and inspect Builder Studio workflows; set up accounts, keys and workflows.')
    .option('--api-url <url>', 'API base URL (env BUILDER_API_URL, default http://127.0.0.1:3000)')
    .option('--api-key <key>', 'account API key (env BUILDER_API_KEY)')
    .option('--admin-token <token>', 'admin token, for accounts/keys/workflows (env ADMIN_TOKEN)')
    .option('--json', 'print the result as JSON on stdout; progress goes to stderr')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES)
    .exitOverride();

  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const act = (body: (command: Command) => Promise<number>) => async (...args: unknown[]) => {
    setExitCode(await body(args.at(-1) as Command));
  };
  const api = runCommands(env);
  const admin = adminCommands(env);

  program
    .command('run')
    .description('Run a workflow: waits for its output, or --async / --watch')
    .argument('<slug>', 'workflow slug')
    .option('-i, --input <key=value>', 'an input field (repeatable; JSON values are parsed)', collect)
    .option('--inputs-file <file>', 'a JSON object of inputs (--input pairs override it)')
    .option('--async', 'return the execution id at once')
    .option('--watch', 'start async and follow the run live')
    .action(act((command) => api.run(command.args[0]!, { ...globals(command), ...command.opts() })));

  program
    .command('estimate')
    .description('What a run would cost at your tier (per step, grants applied) and the refusals it would get; runs nothing')
    .argument('<slug>', 'workflow slug')
    .option('-i, --input <key=value>', 'an input field (repeatable)', collect)
    .option('--inputs-file <file>', 'a JSON object of inputs')
    .action(act((command) => api.estimate(command.args[0]!, { ...globals(command), ...command.opts() })));

  program
    .command('watch')
    .description('Follow a run live: step statuses, streamed text, then names, durations and reused steps')
    .argument('<executionId>')
    .action(act((command) => api.watch(command.args[0]!, globals(command))));

  program
    .command('inspect')
    .description('A run and its steps (names, durations, attempts, reused outputs)')
    .argument('<executionId>')
    .action(act((command) => api.inspect(command.args[0]!, globals(command))));

  program
    .command('cancel')
    .description('Cancel a run; its remaining steps are skipped and its credits refunded')
    .argument('<executionId>')
    .action(act((command) => api.cancel(command.args[0]!, globals(command))));

  program
    .command('replay')
    .description('Replay a run in full, or --from a step reusing the outputs before it')
    .argument('<executionId>')
    .option('--from <stepId>', 're-run from this step forward')
    .option('--watch', 'follow the replay live')
    .action(act((command) => api.replay(command.args[0]!, { ...globals(command), ...command.opts() })));

  program
    .command('list')
    .description('Recent runs, newest first')
    .option('--workflow <slug>', 'only this workflow')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(['planning', 'running', 'waiting', 'completed', 'error', 'cancelled']))
    .addOption(new Option('--trigger <type>', 'only runs of this trigger type').choices(['manual', 'api', 'webhook', 'mcp', 'user-mcp', 'replay']))
    .option('--limit <n>', 'at most n runs', positiveInt)
    .action(act((command) => api.list({ ...globals(command), ...command.opts() })));

  program
    .command('schema')
    .description("A workflow's input fields and JSON Schema")
    .argument('<slug>')
    .action(act((command) => api.schema(command.args[0]!, globals(command))));

  program
    .command('mcp')
    .description('MCP server on stdin/stdout (for MCP clients)')
    .action(act((command) => api.mcp(globals(command))));

  const accounts = program.command('accounts').description('Accounts (admin API)');
  accounts
    .command('create')
    .description('Create an account')
    .requiredOption('--name <name>', 'display name')
    .option('--id <id>', 'account id (default: generated)')
    .addOption(new Option('--tier <tier>', 'plan tier').choices(['pro', 'business', 'enterprise']).default('pro'))
    .option('--credits <n>', 'starting credit balance', positiveInt)
    .option('--unapproved', 'create it not yet approved')
    .action(act((command) => admin.createAccount({ ...globals(command), ...command.opts() })));
  accounts
    .command('grant')
    .description('Grant trial credits for one model')
    .argument('<accountId>')
    .requiredOption('--model <model>', 'model id, e.g. sandbox-image')
    .requiredOption('--credits <n>', 'credits to grant', positiveInt)
    .action(act((command) => admin.grant(command.args[0]!, { ...globals(command), ...command.opts() })));

  program
    .command('keys')
    .description('API keys (admin API)')
    .command('create')
    .description('Create an API key for an account; prints its secret once')
    .argument('<accountId>')
    .option('--name <name>', 'a label for the key')
    .option('--capability <capability>', 'workflow:run or workflow:<slug>:run (repeatable; default workflow:run)', collect)
    .action(act((command) => admin.createKey(command.args[0]!, { ...globals(command), ...command.opts() })));

  const workflows = program.command('workflows').description('Workflows: list the ones your key may run; push a canvas (admin API)');
  workflows
    .command('list')
    .description('The workflows your API key may run, with their input fields (GET /api/workflows)')
    .action(act((command) => api.workflows(globals(command))));
  workflows
    .command('push')
    .description('Create a workflow from a canvas file, or update it when its canvas id exists')
    .argument('<canvasFile>', 'JSON: { slug, name, canvasId?, graph } or a bare { nodes, edges } graph')
    .requiredOption('--account <accountId>', 'the account that owns the workflow')
    .option('--slug <slug>', 'URL slug (overrides the file)')
    .option('--name <name>', 'display name (overrides the file; default: the slug)')
    .option('--canvas-id <canvasId>', 'update the workflow with this canvas id (overrides the file)')
    .action(act((command) => admin.pushWorkflow(command.args[0]!, { ...globals(command), ...command.opts() })));

  return program;
}
