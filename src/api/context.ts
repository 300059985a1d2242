// What every route module receives (its dependencies) and what every request carries (its typed
// Koa state). Route and middleware modules import these types from here, never from app.ts, so
// nothing imports the module that mounts it.
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { RouterContext } from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { EventHub } from '../events/hub';
import type { JobProvider } from '../providers/types';
import type { MediaUrlSigner } from '../media/urls';
import type { BlobStore } from '../media/types';
import type { Logger } from '../observability/logger';
import type { Admissions } from '../services/admission';
import type { ViewTokenClaims } from '../services/viewTokens';

/** Shared dependencies of the API routes. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  admissions: Admissions;
  /** Wakes live event streams; without it, /events answers 503. */
  events?: EventHub;
  config: Pick<Config, 'ADMIN_TOKEN' | 'TEMPORAL_TASK_QUEUE'> & Partial<Pick<Config, 'ALLOW_PRIVATE_NETWORKS' | 'PRIVATE_NETWORK_ALLOWLIST' | 'CODEC_AUTH_TOKEN'>>;
  /** Async providers by id: their adapters parse and verify callbacks (absent: the engine's own callback format). */
  jobProviders?: (providerId: string) => JobProvider | undefined;
  /** The media store and URL signer: serves /api/media and signs media URLs in views; without it, /api/media answers 503. */
  media?: { store: BlobStore; signer: MediaUrlSigner };
  log: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

/** Where the run viewer links a run in the Temporal Web UI. */
export interface ViewerLinks {
  /** Base URL of the Temporal Web UI (e.g. http://127.0.0.1:8233); no link when unset. */
  temporalUiUrl?: string;
  temporalNamespace?: string;
}

/** The API's dependencies plus the optional operator surfaces (logs, MCP). */
export interface AppDeps extends ApiDeps {
  /** Request logs (JSON); silent when unset. */
  logger?: Logger;
  /** Server-side token of the studio's own agent: MCP runs presenting it are `mcp`, others `user-mcp`. */
  studioAgentToken?: string;
  /** The Temporal Web UI the run viewer links to. */
  viewer?: ViewerLinks;
  /** The payload codecs of our Temporal clients and workers, served by the codec endpoint. */
  payloadCodecs?: PayloadCodec[];
}

/** The authenticated caller: set by requireApiKey (src/api/middleware/apiKey.ts) or a run viewer token. */
export interface AuthState {
  keyId: string;
  capabilities: string[];
  account: { id: string; tier: 'pro' | 'business' | 'enterprise'; approved: boolean; creditBalance: number };
}

/** `ctx.state` of every request. */
export interface AppState {
  /** `x-request-id` as received, or a new UUID; echoed in the response and in 500 messages. */
  requestId: string;
  /** When the request arrived (ms since the epoch): a sync run's durationMs starts here. */
  receivedAtMs: number;
  /** The caller, once authenticated. */
  auth?: AuthState;
  /** The run viewer token the caller authenticated with, if any. */
  viewToken?: ViewTokenClaims;
  /** The execution the request admitted or addressed (for logs and traces). */
  executionId?: string;
  /** The request body as read by the JSON body parser, for signature checks. */
  rawBody?: string;
}

/** `ctx.state` behind requireApiKey: the caller is known. */
export interface AuthedState extends AppState {
  auth: AuthState;
}

/** A request's context outside the routers. */
export type AppContext = ParameterizedContext<AppState>;

/** A middleware of the application. */
export type AppMiddleware = Middleware<AppState>;

/** A route's context behind requireApiKey. */
export type AuthedContext = RouterContext<AuthedState>;
