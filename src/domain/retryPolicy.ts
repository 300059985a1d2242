// A node's retry policy: its type's defaults with the node's `config.retry` overrides, refused when
// Temporal would not honour it. Temporal fires timers (activity retry backoffs included) no sooner
// than `history.timerProcessorMaxTimeShift` after they are set, 1 s by default: a 200 ms interval
// waits about 1 s (see README, "Retry interval floor"), so shorter intervals are refused, not faked.
import type { RetryDefaults } from '../nodes/types';
import { PlanError } from './errors';
import { nonRetryableFailureTypes } from './retryability';
import type { CanvasNode, RetryPolicySpec } from './types';

/** The shortest retry interval a Temporal cluster honours with its default configuration. */
export const RETRY_INTERVAL_FLOOR_MS = 1_000;

/**
 * The node's retry policy from its type's defaults and its overrides, never retrying the step failures
 * the retryability table marks so; throws PlanError INVALID_RETRY_POLICY.
 */
export function retryPolicyOf(node: CanvasNode, defaults: RetryDefaults): RetryPolicySpec {
  const override = node.config.retry && typeof node.config.retry === 'object' ? (node.config.retry as Record<string, unknown>) : {};
  const initialIntervalMs = positiveNumber(override.initialIntervalMs) ?? defaults.initialIntervalMs;
  const maximumOverride = positiveNumber(override.maximumIntervalMs);
  // Without an explicit maximum, a long initial interval raises the default maximum with it.
  const maximumIntervalMs = maximumOverride ?? Math.max(defaults.maximumIntervalMs, initialIntervalMs);
  for (const [field, value] of [
    ['initialIntervalMs', initialIntervalMs],
    ['maximumIntervalMs', maximumIntervalMs],
  ] as const) {
    if (value < RETRY_INTERVAL_FLOOR_MS) {
      throw new PlanError(
        'INVALID_RETRY_POLICY',
        `Node "${node.id}": config.retry.${field} is ${value} ms; Temporal waits at least 1,000 ms between attempts, so set 1000 or more.`,
        { nodeId: node.id, field: `config.retry.${field}`, minimumMs: RETRY_INTERVAL_FLOOR_MS },
      );
    }
  }
  if (maximumIntervalMs < initialIntervalMs) {
    throw new PlanError(
      'INVALID_RETRY_POLICY',
      `Node "${node.id}": config.retry.maximumIntervalMs (${maximumIntervalMs} ms) is shorter than its initialIntervalMs (${initialIntervalMs} ms).`,
      { nodeId: node.id, field: 'config.retry.maximumIntervalMs', minimumMs: initialIntervalMs },
    );
  }
  return {
    initialIntervalMs,
    backoffCoefficient: positiveNumber(override.backoffCoefficient) ?? defaults.backoffCoefficient,
    maximumIntervalMs,
    maximumAttempts: positiveNumber(override.maximumAttempts) ?? defaults.maximumAttempts,
    nonRetryableErrorTypes: nonRetryableFailureTypes('step'),
  };
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
