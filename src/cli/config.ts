// The CLI's configuration: flags first, then BUILDER_API_URL / BUILDER_API_KEY / BUILDER_AGENT_TOKEN.
import { z } from 'zod';

const schema = z.object({
  /** Base URL of the Builder Studio API. */
  BUILDER_API_URL: z.string().url().default('http://127.0.0.1:3000'),
  /** An account API key (`bsk_…`). */
  BUILDER_API_KEY: z.string().min(1, 'set BUILDER_API_KEY or pass --api-key'),
  /** Only for the studio's own agent: makes MCP runs `mcp` instead of `user-mcp`. */
  BUILDER_AGENT_TOKEN: z.string().optional(),
});

/** The parsed CLI configuration. */
export type CliConfig = z.infer<typeof schema>;

/** Reads the configuration; flags override the environment. Throws with a readable message. */
export function loadCliConfig(flags: { apiUrl?: string; apiKey?: string }, env: Record<string, string | undefined>): CliConfig {
  const result = schema.safeParse({
    BUILDER_API_URL: flags.apiUrl ?? (env.BUILDER_API_URL || undefined),
    BUILDER_API_KEY: flags.apiKey ?? env.BUILDER_API_KEY ?? '',
    BUILDER_AGENT_TOKEN: env.BUILDER_AGENT_TOKEN || undefined,
  });
  if (!result.success) throw new Error(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
  return result.data;
}
