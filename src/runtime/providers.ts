// The provider registry a worker uses, from the configuration.
import type { Config } from '../config';
import { MODELS } from '../domain/models';
import { createProviderRegistry } from '../providers/registry';
import { SandboxProvider } from '../providers/sandbox';
import type { ProviderRegistry } from '../providers/types';

/** Providers configured by the environment; the sandbox always exists (test mode). */
export function providersFromConfig(config: Config): { registry: ProviderRegistry; sandbox: SandboxProvider } {
  const sandbox = new SandboxProvider({
    delayMs: config.SANDBOX_DELAY_MS,
    tokenDelayMs: config.SANDBOX_TOKEN_DELAY_MS,
    failureRate: config.SANDBOX_FAILURE_RATE,
  });
  const registry = createProviderRegistry({
    sandbox,
    openai: {
      ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}),
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    },
    http: { allowPrivateNetworks: config.ALLOW_PRIVATE_NETWORKS },
  });
  return { registry, sandbox };
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
