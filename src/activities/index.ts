// The activity set of a worker, built from its dependencies so tests can pass real or fake ones.
import type { Db } from '../db/client';
import type { MediaLibrary } from '../media/types';
import type { MediaUrlSigner } from '../media/urls';
import type { ProviderRegistry } from '../providers/types';
import { createCallbackActivities } from './callbacks';
import { createJobActivities } from './jobs';
import { createMirrorActivity } from './mirror';
import { createStepActivities } from './steps';
import { StepProgress } from './stepProgress';

/** What the activities need. */
export interface ActivityDeps {
  db: Db;
  providers: ProviderRegistry;
  /** Where generated media goes; steps output references to it. */
  media: MediaLibrary;
  warn?: (message: string, err: unknown) => void;
  /** Public base URL of the API, for async provider callbacks. */
  callbackBaseUrl?: string;
  /** Let result callbacks reach loopback and private networks (tests, local setups). */
  allowPrivateNetworks?: boolean;
  /** Signs media URLs in what leaves the worker (result callbacks). */
  mediaUrls?: MediaUrlSigner;
}

/** Every activity the run workflow calls. */
export function createActivities({ db, providers, media, mediaUrls, warn = defaultWarn, callbackBaseUrl, allowPrivateNetworks = false }: ActivityDeps) {
  const progress = new StepProgress(db, warn);
  return {
    mirror: createMirrorActivity(db),
    ...createCallbackActivities({ db, allowPrivateNetworks, ...(mediaUrls ? { mediaUrls } : {}) }),
    ...createStepActivities({ providers, progress, media, warn }),
    ...createJobActivities({ providers, progress, media, warn, ...(callbackBaseUrl ? { callbackBaseUrl } : {}) }),
  };
}

function defaultWarn(message: string, err: unknown): void {
  console.warn(message, err instanceof Error ? err.message : err);
}
