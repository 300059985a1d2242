// The provider registry a worker uses, from the configuration.
import type { Config } from '../config';
import { MODELS } from '../domain/models';
import type { Db } from '../db/client';
import { createProviderRegistry } from '../providers/registry';
import type { MediaLibrary } from '../media/types';
import { SandboxProvider } from '../providers/sandbox';
import { dbSandboxJobs } from '../providers/sandboxJobs';
import { SandboxMediaProvider } from '../providers/sandboxMedia';
import type { ProviderRegistry } from '../providers/types';
import { createVendorProviders, type VendorSettings } from '../providers/vendors';
import { metrics } from '../observability/metrics';

/** The vendors' settings from the environment (REPLICATE_*, FAL_*, OPENAI_*). */
export function vendorSettingsOf(config: Config): VendorSettings {
  const openai = {
    ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}),
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
  };
  return {
    replicate: {
      baseUrl: config.REPLICATE_BASE_URL,
      ...(config.REPLICATE_API_TOKEN ? { apiToken: config.REPLICATE_API_TOKEN } : {}),
      ...(config.REPLICATE_WEBHOOK_SECRET ? { webhookSecret: config.REPLICATE_WEBHOOK_SECRET } : {}),
    },
    fal: { baseUrl: config.FAL_BASE_URL, jwksUrl: config.FAL_JWKS_URL, ...(config.FAL_KEY ? { key: config.FAL_KEY } : {}) },
    openaiImages: openai,
  };
}

/**
 * Providers configured by the environment; the sandbox always exists (test mode). Vendor submits and
 * sandbox jobs are recorded in `db` (without it, as for the start-up check of which providers call
 * back, they are not). A worker passes its media `library`, so its sandbox can finish jobs other workers started.
 */
export function providersFromConfig(
  config: Config,
  db?: Db,
  library?: Pick<MediaLibrary, 'save'>,
): { registry: ProviderRegistry; sandbox: SandboxProvider; sandboxMedia: SandboxMediaProvider } {
  const sandbox = new SandboxProvider({
    delayMs: config.SANDBOX_DELAY_MS,
    tokenDelayMs: config.SANDBOX_TOKEN_DELAY_MS,
    failureRate: config.SANDBOX_FAILURE_RATE,
  });
  const sandboxMedia = new SandboxMediaProvider({ ...(db ? { jobs: dbSandboxJobs(db) } : {}), ...(library ? { library } : {}) });
  const registry = createProviderRegistry({
    sandbox,
    sandboxMedia,
    openai: {
      ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}),
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    },
    http: { allowPrivateNetworks: config.ALLOW_PRIVATE_NETWORKS, privateNetworkAllowlist: config.PRIVATE_NETWORK_ALLOWLIST },
    ...createVendorProviders(vendorSettingsOf(config), db, { onOutcome: countVendorJob }),
  });
  return { registry, sandbox, sandboxMedia };
}

/** Ids of the configured providers whose jobs report back by callback (async models' providers). */
export function asyncProviderIds(registry: ProviderRegistry): string[] {
  const ids = new Set(MODELS.filter((model) => model.async).map((model) => model.provider));
  return [...ids].filter((id) => {
    try {
      registry.media(id);
      return true;
    } catch {
      // Not configured in this process.
      return false;
    }
  });
}

/** Counts a vendor job's outcome in `builder_vendor_jobs_total`. */
export function countVendorJob(vendor: string, outcome: string): void {
  metrics.vendorJobs.inc({ vendor, outcome });
}

/** Counts a vendor capacity wait that ended (`builder_vendor_capacity_waits_total`, `_wait_seconds`). */
export function countVendorCapacityWait(vendor: string, waitedMs: number): void {
  metrics.vendorCapacityWaits.inc({ vendor });
  metrics.vendorCapacityWaitSeconds.observe({ vendor }, waitedMs / 1000);
}

/** Counts a capture from a hold, and a cache hit with the credits it saved. */
export function countCapture(capture: { captured: number; held: number; cacheHit?: { nodeType: string } }): void {
  metrics.creditsCaptured.inc(capture.captured);
  if (capture.cacheHit) {
    metrics.cacheHits.inc({ node_type: capture.cacheHit.nodeType });
    metrics.cacheCreditsSaved.inc(capture.held - capture.captured);
  }
}
