// The output cache of provider steps (`config.cache: { ttlSeconds }`), decided inside the step
// activity so the workflow code does not change: a hit completes the step with the stored output
// (the same media reference) and no provider call; a miss calls the provider and stores what it
// made. Keys are content addresses: the node type, the model, the normalized config and the
// step's input values, media by sha256. Entries belong to one account: no run reads another
// account's outputs.
import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import type { StepOutput } from '../domain/types';
import type { MediaLibrary } from '../media/types';
import type { ProviderStepInput } from './contracts';

/** Config keys that change how a step runs, not what it makes: left out of the key. */
const RUN_ONLY_KEYS = new Set(['cache', 'retry', 'timeoutMs', 'pollAfterMs', 'pollIntervalMs']);

/** What a lookup found: the step is cacheable; `hit` when a live entry exists and the run does not bypass reads. */
export interface CacheLookup {
  key: string;
  accountId: string;
  ttlSeconds: number;
  hit?: { output: StepOutput; executionId: string; stepId: string };
}

/** The cache's `ttlSeconds` of a step's config, when it is cached. */
export function cacheTtlOf(config: Record<string, unknown>): number | undefined {
  const cache = config.cache;
  if (!cache || typeof cache !== 'object') return undefined;
  const ttl = (cache as { ttlSeconds?: unknown }).ttlSeconds;
  return typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0 ? ttl : undefined;
}

/** The content address of a step's output: sha256 of its canonical description. */
export function cacheKeyOf(input: ProviderStepInput): string {
  const config = Object.fromEntries(Object.entries(input.config).filter(([key]) => !RUN_ONLY_KEYS.has(key)));
  const described = { nodeType: input.nodeType, model: input.model ?? null, config, inputs: input.inputs };
  return createHash('sha256').update(canonical(described)).digest('hex');
}

/** JSON with sorted keys, media references reduced to their sha256 (the same bytes are the same input wherever they are stored). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.mediaId === 'string' && typeof record.sha256 === 'string') return JSON.stringify({ media: record.sha256 });
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The output cache over Postgres (`output_cache`). */
export class OutputCache {
  constructor(
    private readonly db: Db,
    private readonly media: MediaLibrary,
  ) {}

  /** Looks the step up; undefined when the step is not cached. A run asked with `Cache-Control: no-cache` never hits (it refreshes). */
  async lookup(input: ProviderStepInput): Promise<CacheLookup | undefined> {
    const ttlSeconds = cacheTtlOf(input.config);
    if (ttlSeconds === undefined) return undefined;
    const execution = await this.db.execution.findUnique({ where: { id: input.executionId }, select: { accountId: true, cacheBypass: true } });
    if (!execution) return undefined;
    const key = cacheKeyOf(input);
    const lookup: CacheLookup = { key, accountId: execution.accountId, ttlSeconds };
    if (execution.cacheBypass) return lookup;
    const entry = await this.db.outputCache.findFirst({ where: { accountId: execution.accountId, key, expiresAt: { gt: new Date() } } });
    // An entry this very step wrote (an activity retried after its result was lost) is no hit of another run.
    if (entry && !(entry.executionId === input.executionId && entry.stepId === input.stepId)) {
      lookup.hit = { output: entry.output as StepOutput, executionId: entry.executionId, stepId: entry.stepId };
    }
    return lookup;
  }

  /** Links a hit's reused media to this run, so media gc keeps it while the run exists (the step's record is the activity's). */
  async hit(input: ProviderStepInput, hit: NonNullable<CacheLookup['hit']>): Promise<void> {
    const mediaIds = mediaIdsOf(hit.output);
    if (mediaIds.length > 0) await this.media.link(mediaIds, { executionId: input.executionId });
  }

  /** Stores (or refreshes) what a miss made, for `ttlSeconds`. */
  async store(input: ProviderStepInput, lookup: CacheLookup, output: StepOutput): Promise<void> {
    const data = {
      nodeType: input.nodeType,
      model: input.model ?? '',
      output: output as object,
      executionId: input.executionId,
      stepId: input.stepId,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + lookup.ttlSeconds * 1000),
    };
    await this.db.outputCache.upsert({ where: { accountId_key: { accountId: lookup.accountId, key: lookup.key } }, create: { accountId: lookup.accountId, key: lookup.key, ...data }, update: data });
  }
}

function mediaIdsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) mediaIdsOf(item, found);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.mediaId === 'string') found.push(record.mediaId);
    else for (const item of Object.values(record)) mediaIdsOf(item, found);
  }
  return found;
}
