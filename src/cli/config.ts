// The CLI's configuration: flags first, then the environment (BUILDER_API_URL, BUILDER_API_KEY,
// BUILDER_AGENT_TOKEN for the public API; ADMIN_TOKEN for the admin commands). Checked by hand
// rather than with zod: loading zod alone would double the CLI's start-up time.
import { UsageError } from './errors';

const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** The configuration of the public-API commands. */
export interface CliConfig {
  /** Base URL of the Builder Studio API. */
  BUILDER_API_URL: string;
  /** An account API key (`bsk_…`). */
  BUILDER_API_KEY: string;
  /** Only for the studio's own agent: makes MCP runs `mcp` instead of `user-mcp`. */
  BUILDER_AGENT_TOKEN?: string;
}

/** The configuration of the admin commands. */
export interface AdminCliConfig {
  BUILDER_API_URL: string;
  /** The server's ADMIN_TOKEN (printed by `npm start`). */
  ADMIN_TOKEN: string;
}

/** Flags that override the environment. */
export interface ConfigFlags {
  apiUrl?: string;
  apiKey?: string;
  adminToken?: string;
}

/** Reads the public-API configuration; throws a UsageError naming what is missing. */
export function loadCliConfig(flags: ConfigFlags, env: Record<string, string | undefined>): CliConfig {
  const key = flags.apiKey ?? env.BUILDER_API_KEY;
  if (!key) throw new UsageError('BUILDER_API_KEY: set BUILDER_API_KEY or pass --api-key');
  const agentToken = env.BUILDER_AGENT_TOKEN;
  return { BUILDER_API_URL: apiUrlOf(flags, env), BUILDER_API_KEY: key, ...(agentToken ? { BUILDER_AGENT_TOKEN: agentToken } : {}) };
}

/** Reads the admin configuration; throws a UsageError naming what is missing. */
export function loadAdminConfig(flags: ConfigFlags, env: Record<string, string | undefined>): AdminCliConfig {
  const token = flags.adminToken ?? env.ADMIN_TOKEN;
  if (!token) throw new UsageError('ADMIN_TOKEN: set ADMIN_TOKEN or pass --admin-token (npm start prints it)');
  return { BUILDER_API_URL: apiUrlOf(flags, env), ADMIN_TOKEN: token };
}

function apiUrlOf(flags: ConfigFlags, env: Record<string, string | undefined>): string {
  const url = flags.apiUrl ?? (env.BUILDER_API_URL || DEFAULT_API_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`BUILDER_API_URL: "${url}" must be a URL such as ${DEFAULT_API_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`BUILDER_API_URL: "${url}" must be an http(s) URL`);
  return url;
}
