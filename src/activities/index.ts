// The activity set of a worker, built from its dependencies so tests can pass real or fake ones.
import type { Db } from '../db/client';
import { findNodeModule } from '../nodes/registry';
import type { CheckedMediaLibrary } from './mediaSink';
import type { MediaUrlSigner } from '../media/urls';
import type { ProviderRegistry } from '../providers/types';
import { createCallbackActivities } from './callbacks';
import { createJobActivities } from './jobs';
import { createMirrorActivity } from './mirror';
import { createStepActivities } from './steps';
import { StepProgress } from './stepProgress';
import { JobBudgets } from './jobBudgets';
import { OutputCache } from './outputCache';
import { createUsageCapture, type CaptureObserver } from './usage';
import { VendorCapacity, type VendorLimits } from './vendorCapacity';

/** What the activities need. */
export interface ActivityDeps {
  db: Db;
  providers: ProviderRegistry;
  /** Where generated media goes; steps output references to it. */
  media: CheckedMediaLibrary;
  warn?: (message: string, err: unknown) => void;
  /** Public base URL of the API, for async provider callbacks. */
  callbackBaseUrl?: string;
  /** Let result callbacks reach loopback and private networks (tests, local setups). */
  allowPrivateNetworks?: boolean;
  /** PRIVATE_NETWORK_ALLOWLIST: private `host:port` or CIDR entries result callbacks may reach. */
  privateNetworkAllowlist?: readonly string[];
  /** Signs media URLs in what leaves the worker (result callbacks). */
  mediaUrls?: MediaUrlSigner;
  /** VENDOR_CONCURRENCY: jobs in flight per vendor account across every worker. */
  vendorConcurrency?: VendorLimits;
  /** Hears each vendor capacity wait that ended (vendor, ms waited), for the metrics. */
  onVendorCapacityWait?: (vendor: string, waitedMs: number) => void;
  /** Hears each capture from a hold (and each cache hit), for the metrics. */
  onCapture?: CaptureObserver;
  /** Deadlines of per-second priced jobs; the process runs its sweeper (a default instance only records them). */
  jobBudgets?: JobBudgets;
}

/** Every activity the run workflow calls. */
export function createActivities({ db, providers, media, mediaUrls, warn = defaultWarn, callbackBaseUrl, allowPrivateNetworks = false, privateNetworkAllowlist = [], vendorConcurrency = {}, onVendorCapacityWait, onCapture, jobBudgets }: ActivityDeps) {
  const captureUsage = createUsageCapture(db, warn, onCapture);
  const budgets = jobBudgets ?? new JobBudgets(db);
  const progress = new StepProgress(db, warn);
  const capacity = new VendorCapacity({ db, limits: vendorConcurrency, ...(onVendorCapacityWait ? { onWaited: onVendorCapacityWait } : {}) });
  const network = { allowPrivateNetworks, allowlist: privateNetworkAllowlist };
  return {
    mirror: createMirrorActivity(db),
    ...createCallbackActivities({ db, network, ...(mediaUrls ? { mediaUrls } : {}) }),
    ...createStepActivities({ providers, progress, media, warn, captureUsage, cache: new OutputCache(db, media) }),
    ...createJobActivities({ providers, progress, media, warn, capacity, budgets, captureUsage, modelOf: (executionId, stepId) => modelOf(db, executionId, stepId), mediaKindOf: (executionId, stepId) => mediaKindOf(db, executionId, stepId), ...(callbackBaseUrl ? { callbackBaseUrl } : {}) }),
  };
}

/** The media kind the step's node type makes (image, video, audio), from its node module. */
async function mediaKindOf(db: Db, executionId: string, stepId: string) {
  const step = await db.step.findUnique({ where: { executionId_stepId: { executionId, stepId } }, select: { nodeType: true } });
  return step ? findNodeModule(step.nodeType)?.produces?.kind : undefined;
}

/** The catalog model of a step, from its run's recorded plan. */
async function modelOf(db: Db, executionId: string, stepId: string): Promise<string | undefined> {
  const [row] = await db.$queryRaw<Array<{ model: string | null }>>`
    SELECT s->>'model' AS model FROM executions e, jsonb_array_elements(e.plan->'steps') s
    WHERE e.id = ${executionId} AND s->>'id' = ${stepId}`;
  return row?.model ?? undefined;
}

function defaultWarn(message: string, err: unknown): void {
  console.warn(message, err instanceof Error ? err.message : err);
}
