// Looks providers up by the ids the model catalog uses.
import { ProviderError } from './errors';
import { FetchHttpProvider } from './http';
import { OpenAIChatProvider } from './openai';
import type { SandboxProvider } from './sandbox';
import { SandboxMediaProvider } from './sandboxMedia';
import type { JobProvider, MediaProvider, ProviderRegistry, TextProvider } from './types';

/** What the registry is built from; the sandbox is passed in so tests can read its counters. */
export interface ProviderRegistryOptions {
  sandbox: SandboxProvider;
  /** The sandbox's async media jobs; a fresh one when not given. */
  sandboxMedia?: SandboxMediaProvider;
  /** Without an API key the openai provider exists but every call fails as InvalidConfig. */
  openai?: { baseUrl?: string; apiKey?: string };
  /** Defaults to refusing private networks. */
  http?: { allowPrivateNetworks: boolean; privateNetworkAllowlist?: readonly string[] };
  /** More adapters (vendors), by their ids. */
  media?: MediaProvider[];
  jobs?: JobProvider[];
}

/** The providers for an activity set, by provider id; unknown ids fail as InvalidConfig. */
export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const openai = new OpenAIChatProvider(options.openai ?? {});
  const http = new FetchHttpProvider(options.http ?? { allowPrivateNetworks: false });
  const texts = new Map<string, TextProvider>([
    [options.sandbox.id, options.sandbox],
    [openai.id, openai],
  ]);
  const media = new Map<string, MediaProvider>([options.sandbox, ...(options.media ?? [])].map((provider) => [provider.id, provider]));
  const sandboxJobs = options.sandboxMedia ?? new SandboxMediaProvider();
  const jobs = new Map<string, JobProvider>([sandboxJobs, ...(options.jobs ?? [])].map((provider) => [provider.id, provider]));
  return {
    text: (providerId) => texts.get(providerId) ?? unknown('text', providerId),
    media: (providerId) => media.get(providerId) ?? unknown('media', providerId),
    jobs: (providerId) => jobs.get(providerId) ?? unknown('job', providerId),
    http,
  };
}

function unknown(kind: string, providerId: string): never {
  throw new ProviderError('InvalidConfig', `No ${kind} provider "${providerId}".`, { provider: providerId });
}

/** The registry's job providers as the callback route looks them up: undefined for an unknown id. */
export function jobProviderLookup(registry: ProviderRegistry): (providerId: string) => JobProvider | undefined {
  return (providerId) => {
    try {
      return registry.jobs(providerId);
    } catch {
      return undefined;
    }
  };
}
