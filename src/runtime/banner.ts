// What `npm start` prints once everything is up: every address a person may want, and lines to
// paste (the CLI's settings, a demo run, an MCP client's config, the Temporal CLI's run list) that
// work exactly as printed.

/** What the banner shows. */
export interface BannerInfo {
  apiUrl: string;
  temporalAddress: string;
  namespace: string;
  temporalUiUrl?: string;
  /** The `temporal` executable found or built for the local dev server; `temporal` when unknown. */
  temporalCliPath?: string;
  /** Worker's Temporal SDK metrics endpoint. */
  temporalMetricsUrl?: string;
  databaseUrl: string;
  /** True when the URL is the embedded Postgres's (printed whole: `npm run media:gc` needs it); a configured one is masked. */
  databaseEmbedded?: boolean;
  /** The data folder (absolute). */
  dataDir?: string;
  /** Where the admin token comes from: its file in the data folder, or the ADMIN_TOKEN variable. */
  adminTokenSource?: string;
  /** Where the process serves GET /metrics. */
  metricsUrl: string;
  adminToken: string;
  demoApiKey: string;
  /** The demo account's id (`workflows push --account`). */
  demoAccountId?: string;
  demoSlugs: string[];
  /** A run viewer link for the demo account (a view token in the URL, never an API key). */
  runViewerUrl?: string;
  /** Absolute path of the CLI's bin (`bin/builder.js`), runnable from any folder. */
  cliPath?: string;
}

/** The `temporal workflow list` line for this server, runnable as printed. */
export function temporalListCommand(info: Pick<BannerInfo, 'temporalAddress' | 'namespace' | 'temporalCliPath'>): string {
  const cli = info.temporalCliPath ? shellQuote(info.temporalCliPath) : 'temporal';
  return `${cli} workflow list --address ${info.temporalAddress} --namespace ${shellQuote(info.namespace)}`;
}

/**
 * The `export` line that sets the CLI up for this server. Not DATABASE_URL: a shell that holds it
 * would make the next `npm start` use this run's embedded Postgres address instead of starting one.
 */
export function cliExportLine(info: Pick<BannerInfo, 'apiUrl' | 'demoApiKey' | 'adminToken' | 'cliPath'>): string {
  const vars = [`BUILDER_API_URL=${shellQuote(info.apiUrl)}`, `BUILDER_API_KEY=${shellQuote(info.demoApiKey)}`, `ADMIN_TOKEN=${shellQuote(info.adminToken)}`];
  const exportLine = `export ${vars.join(' ')}`;
  return info.cliPath ? `${exportLine}; alias builder-studio=${shellQuote(`node ${shellQuote(info.cliPath)}`)}` : exportLine;
}

/** An MCP client's server entry for this server: the CLI's stdio server, by absolute path, so it works from any folder. */
export function mcpClientConfig(info: Pick<BannerInfo, 'apiUrl' | 'demoApiKey' | 'cliPath'>): string {
  return JSON.stringify({ command: 'node', args: [info.cliPath ?? 'bin/builder.js', 'mcp'], env: { BUILDER_API_URL: info.apiUrl, BUILDER_API_KEY: info.demoApiKey } });
}

/** The start-up banner. */
export function startBanner(info: BannerInfo): string {
  const curl = [
    `curl -s -X POST '${info.apiUrl}/api/workflows/demo-parallel-media/run'`,
    `-H 'x-api-key: ${info.demoApiKey}' -H 'content-type: application/json'`,
    `-d '{"inputs":{"product":"a solar kettle"}}'`,
  ].join(' ');
  const rows: Array<[string, string | undefined]> = [
    ['API', info.apiUrl],
    ['API docs', `${info.apiUrl}/docs  (OpenAPI: ${info.apiUrl}/openapi.json)`],
    ['MCP', `${info.apiUrl}/mcp`],
    ['Metrics', info.metricsUrl],
    ['Temporal', `${info.temporalAddress}  (namespace ${info.namespace})`],
    ['Temporal UI', info.temporalUiUrl],
    ['SDK metrics', info.temporalMetricsUrl],
    ['Postgres', info.databaseEmbedded ? `${info.databaseUrl}   (embedded; DATABASE_URL=… npm run media:gc)` : maskPassword(info.databaseUrl)],
    ['Data folder', info.dataDir ? `${info.dataDir}   (npm run clean removes it)` : undefined],
    ['Admin token', info.adminTokenSource ? `${info.adminToken}   (from ${info.adminTokenSource}; the same at every start)` : info.adminToken],
    ['Demo account', info.demoAccountId],
    ['Demo API key', `${info.demoApiKey}   (sandbox provider: test mode)`],
    ['Workflows', info.demoSlugs.join(', ')],
    ['Run viewer', info.runViewerUrl ? `${info.runViewerUrl}   (12 h link for the demo account)` : undefined],
  ];
  const table = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `    ${`${label}:`.padEnd(14)}${value}`)
    .join('\n');
  return `
  Builder Studio run engine is up.
${table}

  Set up the CLI in your shell (then: builder-studio workflows list):
    ${cliExportLine(info)}

  Run the parallel demo workflow:
    ${curl}

  An MCP client's server entry (stdio; works from any folder):
    ${mcpClientConfig(info)}

  List runs in Temporal:
    ${temporalListCommand(info)}
`;
}

/** Hides a URL's password. */
function maskPassword(url: string): string {
  return url.replace(/:[^:@/]+@/, ':***@');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
