// The one place that reads the environment. Parsed with zod at boot; a bad value fails fast.
import { z } from 'zod';
import { TIERS, type VendorDefaults } from './domain/models';
import { parseEncryptionKeys } from './media/encryptionCodec';
import { parseAllowlist } from './net/networkAllowlist';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const schema = z.object({
  /** Postgres URL. Unset: `npm start` runs an embedded Postgres with its data under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Postgres connections per process (each API and worker process has its own pool). Keep the sum under Postgres's max_connections. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(500).default(25),
  /** Temporal frontend `host:port`. Unset: `npm start` runs `temporal server start-dev`. */
  TEMPORAL_ADDRESS: z.string().min(3).optional(),
  /** Frontend port of the local dev server `npm start` runs (without TEMPORAL_ADDRESS). Unset: 7233 when free, else a free port. */
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Web UI port of that dev server. Unset: 8233 when free, else a free port. */
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** HTTP API port of that dev server. Unset: a free loopback port. */
  TEMPORAL_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Port of that dev server's own `/metrics`. Unset: a free loopback port. */
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Port of the embedded Postgres `npm start` runs (without DATABASE_URL). Unset: a free port. */
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Temporal namespace. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue shared by API (starts runs) and workers (execute them). */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('builder-runs'),
  /** Use TLS to reach Temporal (implied by the cert/key paths or an API key). */
  TEMPORAL_TLS: bool.default(false),
  /** mTLS client certificate and key (PEM files) for a Temporal cluster. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** API key for Temporal Cloud. */
  TEMPORAL_API_KEY: z.string().optional(),
  /** Base URL of the Temporal Web UI, for the run viewer's links. Unset: the local dev server's under `npm start`, else no link. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** HTTP listen address of the API. */
  HOST: z.string().default('127.0.0.1'),
  PORT: int(3000),
  /**
   * Public base URL of the API, given to async providers for callbacks. Default: http://HOST:PORT
   * when the API runs in the same process; a worker-only process must set it (it refuses to start without).
   */
  PUBLIC_URL: z.string().url().optional(),
  /** Bearer token of the admin API (/admin/*). Unset: admin API is disabled (npm start makes one). */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /** Platform markup applied to model prices (1.2 = +20%). */
  CREDIT_MARKUP: z.coerce.number().positive().default(1.2),
  /** Whole-run timeout in ms. */
  RUN_TIMEOUT_MS: int(30 * 60_000),
  /** Sandbox provider: latency per call, delay between streamed tokens, failure probability. */
  SANDBOX_DELAY_MS: int(0),
  SANDBOX_TOKEN_DELAY_MS: int(2),
  SANDBOX_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** OpenAI-compatible endpoint for `openai` models (any base URL). */
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().optional(),
  /** Replicate (`replicate:<owner>/<name>[:<version>]` models): API token; unset, those steps fail as InvalidConfig. */
  REPLICATE_API_TOKEN: z.string().min(1).optional(),
  /** Replicate's webhook signing secret (`whsec_…`, from GET /v1/webhooks/default/secret); unset, Replicate webhooks are refused and polling finishes jobs. */
  REPLICATE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be whsec_ followed by base64').optional(),
  /** Replicate API base URL (tests, proxies). */
  REPLICATE_BASE_URL: z.string().url().default('https://api.replicate.com/v1'),
  /** fal (`fal:<endpoint-id>` models): API key (`key_id:key_secret`); unset, those steps fail as InvalidConfig. */
  FAL_KEY: z.string().min(1).optional(),
  /** fal queue base URL, in place of https://queue.fal.run (tests, proxies). */
  FAL_BASE_URL: z.string().url().default('https://queue.fal.run'),
  /** Where fal publishes the ED25519 keys its webhooks are signed with. */
  FAL_JWKS_URL: z.string().url().default('https://rest.alpha.fal.ai/.well-known/jwks.json'),
  /** Base credits and lowest tier of Replicate / fal models the catalog does not list. */
  REPLICATE_DEFAULT_CREDITS: int(10),
  REPLICATE_DEFAULT_TIER: z.enum(TIERS).default('pro'),
  FAL_DEFAULT_CREDITS: int(10),
  FAL_DEFAULT_TIER: z.enum(TIERS).default('pro'),
  /** Let HTTP Request nodes and result callbacks reach loopback and private networks. */
  ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /**
   * Comma-separated `host:port` or CIDR entries that HTTP Request nodes, result callbacks and vendor
   * output downloads may reach although they are private (a local fake vendor, an internal receiver).
   */
  PRIVATE_NETWORK_ALLOWLIST: z
    .string()
    .transform((raw) => raw.split(',').map((entry) => entry.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      try {
        parseAllowlist(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .default([]),
  /**
   * Jobs in flight per vendor account across every worker process, `vendor=n,…` (e.g.
   * `replicate=8,fal=4`): a step beyond it waits (`waitingOn: { type: "vendor-capacity" }`) for a
   * slot. Vendors not named are not capped. Names are provider ids (`replicate`, `fal`, `openai`, `sandbox`).
   */
  VENDOR_CONCURRENCY: z
    .string()
    .transform((raw, ctx) => {
      const limits: Record<string, number> = {};
      for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
        const match = /^([a-z][a-z0-9-]*)=(\d{1,6})$/.exec(entry);
        const n = match ? Number(match[2]) : NaN;
        if (!match || n < 1) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not vendor=n with a vendor id (lowercase letters, digits, hyphens) and n a whole number from 1 to 999999, e.g. replicate=8,fal=4` });
          return z.NEVER;
        }
        if (limits[match[1]!] !== undefined) {
          ctx.addIssue({ code: 'custom', message: `vendor "${match[1]}" is named twice` });
          return z.NEVER;
        }
        limits[match[1]!] = n;
      }
      return limits;
    })
    .default({}),
  /** Level of the JSON logs (pino): fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * `host:port` where this process serves `GET /metrics` (Prometheus): its own metrics (API and/or
   * worker) plus, with a worker, the Temporal SDK's. Never on the public API port. Unset: a free
   * loopback port, printed at start. Set it (e.g. `0.0.0.0:9464`) where a scraper must reach it.
   */
  METRICS_ADDRESS: z.string().regex(/^.+:\d+$/, 'host:port').optional(),
  /** `host:port` where a worker serves the Temporal SDK's own Prometheus metrics. Unset: a free loopback port (merged into METRICS_ADDRESS's /metrics). */
  TEMPORAL_METRICS_ADDRESS: z.string().regex(/^[^:]+:\d+$/).optional(),
  /** Server-side token of the studio's own agent (header X-Builder-Agent-Token): its MCP runs are `mcp`, all others `user-mcp`. */
  STUDIO_AGENT_TOKEN: z.string().min(16).optional(),
  /** Where `npm start` keeps embedded Postgres and Temporal data. */
  DATA_DIR: z.string().default('.data'),
  /**
   * Where media blobs live. Unset: files under DATA_DIR/media. `s3://bucket/prefix`: any
   * S3-compatible bucket (credentials from the standard AWS variables: AWS_ACCESS_KEY_ID,
   * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE…). `file:///path` or a plain path: that folder.
   */
  MEDIA_STORE_URL: z.string().min(1).optional(),
  /** Endpoint of an S3-compatible server (MinIO, R2, …); unset: AWS S3 of S3_REGION. */
  S3_ENDPOINT: z.string().url().optional(),
  /** Region of the bucket (signing region for S3-compatible servers). */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Address buckets by path (`endpoint/bucket/key`) instead of by host: most self-hosted servers need it. */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** Largest piece of media saved or downloaded (bytes); larger bodies fail the step with MediaTooLarge. */
  MEDIA_MAX_BYTES: z.coerce.number().int().positive().default(500 * 1024 * 1024),
  /**
   * HMAC key of media URLs. Set the same value on every API and worker process to control it;
   * unset: a random key is made once and kept in the database (server_secrets), shared by all.
   */
  MEDIA_URL_SECRET: z.string().min(16).optional(),
  /** How long a signed media URL stays valid, in seconds. */
  MEDIA_URL_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  /** `npm run media:gc`: unreferenced media younger than this is kept (a save links its blob moments after writing it). */
  MEDIA_GC_GRACE_MINUTES: z.coerce.number().int().positive().default(60),
  /**
   * `npm run media:gc`: offloaded Temporal payloads (the claim-check codec's blobs) older than this
   * are removed. Keep it above the namespace's history retention plus the longest run.
   */
  PAYLOAD_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  /**
   * 32 bytes in base64: turns on AES-256-GCM encryption of every Temporal payload (inputs, outputs,
   * HTTP node headers) in clients and workers; set the same on every process. Ops read runs through
   * the codec endpoint (/api/temporal-codec).
   */
  PAYLOAD_ENCRYPTION_KEY: z.string().optional(),
  /** For key rotation: `keyId:base64,…`; the first key encrypts, all of them decrypt. Wins over PAYLOAD_ENCRYPTION_KEY. */
  PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
  /** Bearer token of the codec endpoint besides ADMIN_TOKEN (for the Temporal UI or CLI of ops who are not admins). */
  CODEC_AUTH_TOKEN: z.string().min(16).optional(),
  /** OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318) that receives one trace per run; unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** `service.name` of this process's spans (default: builder-api, builder-worker or builder). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Concurrency of a worker process. */
  WORKER_MAX_ACTIVITIES: int(200),
  WORKER_MAX_WORKFLOW_TASKS: int(100),
  /**
   * Stack traces in workflow code: the Temporal UI's "Stack Trace" tab and the stack of an error a
   * workflow throws. Off by default: building one for every promise cost a quarter of the workflow
   * thread's CPU (src/workflows/noStackTraces.ts). Turn on for a debugging session.
   */
  WORKFLOW_STACK_TRACES: bool.default(false),
  /**
   * The worker's build id, reported to Temporal (Workers view, task queue pollers, the deployment
   * version of each workflow task) and printed at start. Unset: `<package version>+<git commit>`.
   */
  WORKER_BUILD_ID: z.string().trim().min(1).max(255).optional(),
  /** The Worker Deployment this worker belongs to (Temporal Worker Versioning); its version is WORKER_BUILD_ID. */
  WORKER_DEPLOYMENT_NAME: z.string().trim().min(1).max(255).default('builder-studio'),
  /**
   * `off` (default): workers report their build id and any worker takes any run; workflow changes
   * are kept replayable with patched() (README, "Deploys without a drain"). `pinned`: each run stays
   * on the build that started it (the deployment's current version must be set with the Temporal
   * CLI). `auto-upgrade`: versioned workers, runs move to the current version.
   */
  WORKER_VERSIONING: z.enum(['off', 'pinned', 'auto-upgrade']).default('off'),
});

/** The parsed configuration. */
export type Config = z.infer<typeof schema>;

/** Thrown when the environment holds an invalid value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment (default: process.env) into a Config, or throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  try {
    parseEncryptionKeys({ key: result.data.PAYLOAD_ENCRYPTION_KEY, keys: result.data.PAYLOAD_ENCRYPTION_KEYS });
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message}`);
  }
  return result.data;
}

/** Price and tier of uncatalogued vendor models, from REPLICATE_/FAL_DEFAULT_CREDITS and _TIER. */
export function vendorDefaultsOf(config: Config): VendorDefaults {
  return {
    replicate: { credits: config.REPLICATE_DEFAULT_CREDITS, minTier: config.REPLICATE_DEFAULT_TIER },
    fal: { credits: config.FAL_DEFAULT_CREDITS, minTier: config.FAL_DEFAULT_TIER },
  };
}
