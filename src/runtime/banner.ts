// What `npm start` prints once everything is up: every address a person may want, and lines to
// paste (a demo run, the Temporal CLI's run list) that work exactly as printed.

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
  /** Where the process serves GET /metrics. */
  metricsUrl: string;
  adminToken: string;
  demoApiKey: string;
  demoSlugs: string[];
  /** A run viewer link for the demo account (a view token in the URL, never an API key). */
  runViewerUrl?: string;
}

/** The `temporal workflow list` line for this server, runnable as printed. */
export function temporalListCommand(info: Pick<BannerInfo, 'temporalAddress' | 'namespace' | 'temporalCliPath'>): string {
  const cli = info.temporalCliPath ? shellQuote(info.temporalCliPath) : 'temporal';
  return `${cli} workflow list --address ${info.temporalAddress} --namespace ${shellQuote(info.namespace)}`;
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
    ['Postgres', maskPassword(info.databaseUrl)],
    ['Admin token', info.adminToken],
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

  Run the parallel demo workflow:
    ${curl}

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
