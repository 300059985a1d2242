// Result callbacks: POSTs a settled run's result to its callbackUrl, signed with the account's
// webhook secret. Called by the run workflow after the run settles and the mirror drains; the
// workflow's retry policy (exponential backoff) drives redelivery.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client';
import { presentMedia, type MediaUrlSigner } from '../media/urls';
import { isTerminalExecutionStatus } from '../domain/statuses';
import { CallbackUrlError, checkCallbackUrl } from '../providers/callbackUrl';
import { outboundGuard, PrivateNetworkRefused, type GuardedInit, type GuardedResponse, type NetworkPolicy } from '../net/guardedFetch';

/** Closed set of failure types raised by deliverCallback. */
export type CallbackFailureType = 'CallbackNetworkError' | 'CallbackServerError' | 'CallbackRejected' | 'CallbackUrlRefused' | 'CallbackNotReady';

/** Failure types the workflow must not retry. */
export const NON_RETRYABLE_CALLBACK_FAILURES: CallbackFailureType[] = ['CallbackRejected', 'CallbackUrlRefused'];

/** `X-Builder-Signature` for `body` sent at unix second `t`: `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signCallback(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Dependencies of the callback activities. */
export interface CallbackDeps {
  db: Db;
  /** Where callbacks may go (ALLOW_PRIVATE_NETWORKS, PRIVATE_NETWORK_ALLOWLIST). */
  network: NetworkPolicy;
  /** The fetch of deliveries (default: the guarded fetch of `network`). */
  fetchImpl?: (url: URL, init: GuardedInit) => Promise<{ status: number; body: GuardedResponse['body'] }>;
  /** Per-attempt timeout of the POST (default 10 s). */
  timeoutMs?: number;
  /** Signs media URLs in the result (references alone are useless to a receiver). */
  mediaUrls?: MediaUrlSigner;
}

/** The callback delivery activity. */
export function createCallbackActivities({ db, network, fetchImpl, timeoutMs = 10_000, mediaUrls }: CallbackDeps) {
  const send = fetchImpl ?? ((url: URL, init: GuardedInit) => outboundGuard(network).fetch(url, init));
  return {
    /**
     * Delivers the final result of `executionId` to its callbackUrl. Returns the receiver's status
     * (0 when the run has no callback). Throws a retryable ApplicationFailure on network errors,
     * timeouts, 5xx, 408 and 429, and a non-retryable one on other 4xx or a refused URL.
     */
    async deliverCallback(input: { executionId: string }): Promise<{ status: number }> {
      const execution = await db.execution.findUnique({
        where: { id: input.executionId },
        include: { account: { select: { webhookSecret: true } }, workflow: { select: { slug: true, canvasId: true } } },
      });
      if (!execution?.callbackUrl) return { status: 0 };
      if (!isTerminalExecutionStatus(execution.status)) {
        throw ApplicationFailure.create({ type: 'CallbackNotReady', message: `Execution ${execution.id} is still ${execution.status}.` });
      }
      let url: URL;
      try {
        url = await checkCallbackUrl(execution.callbackUrl, network);
      } catch (err) {
        if (err instanceof CallbackUrlError) throw ApplicationFailure.create({ type: 'CallbackUrlRefused', message: err.message, nonRetryable: true });
        throw err;
      }
      const body = JSON.stringify({
        type: `execution.${execution.status}`,
        executionId: execution.id,
        workflowSlug: execution.workflow.slug,
        canvasId: execution.workflow.canvasId,
        status: execution.status,
        success: execution.status === 'completed',
        output: mediaUrls ? presentMedia(execution.output ?? null, mediaUrls) : (execution.output ?? null),
        creditsUsed: execution.creditsUsed,
        creditsRefunded: execution.creditsRefunded,
        durationMs: execution.durationMs,
        error: execution.error ?? null,
        finishedAt: execution.finishedAt?.toISOString() ?? null,
      });
      const t = Math.floor(Date.now() / 1000);
      let status: number;
      try {
        // No redirects (a 3xx is an answer), and at most 64 KB of the receiver's answer is read.
        const response = await send(url, {
          method: 'POST',
          maxRedirects: 0,
          maxBytes: CALLBACK_ANSWER_MAX_BYTES,
          totalTimeoutMs: timeoutMs,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'BuilderStudio-Callbacks/1',
            'x-builder-event': `execution.${execution.status}`,
            'x-builder-execution-id': execution.id,
            'x-builder-signature': signCallback(execution.account.webhookSecret, t, body),
          },
          body,
        });
        status = response.status;
        await drain(response.body);
      } catch (err) {
        if (err instanceof PrivateNetworkRefused) throw ApplicationFailure.create({ type: 'CallbackUrlRefused', message: err.message, nonRetryable: true });
        throw ApplicationFailure.create({
          type: 'CallbackNetworkError',
          message: `Callback to ${url.host} failed: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      if (status >= 200 && status < 300) return { status };
      if (status >= 500 || status === 408 || status === 429) {
        throw ApplicationFailure.create({ type: 'CallbackServerError', message: `Callback receiver answered ${status}.`, details: [{ status }] });
      }
      throw ApplicationFailure.create({ type: 'CallbackRejected', message: `Callback receiver answered ${status}.`, nonRetryable: true, details: [{ status }] });
    },
  };
}

/** How much of a receiver's answer is read (and thrown away): enough for any acknowledgement. */
const CALLBACK_ANSWER_MAX_BYTES = 64 * 1024;

/** Reads an answer's body to its end, or stops quietly past the byte limit: only the status matters. */
async function drain(body: GuardedResponse['body']): Promise<void> {
  if (!body) return;
  try {
    for await (const chunk of body) void chunk;
  } catch {
    // Too large or cut off: the status already arrived.
  }
}

/** The callback activities' type, for `proxyActivities`. */
export type CallbackActivities = ReturnType<typeof createCallbackActivities>;
