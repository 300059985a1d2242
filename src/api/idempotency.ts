// `Idempotency-Key` on every route that admits runs (the studio's /api/execute/start, the run API and
// MCP's run route): one implementation, Stripe's semantics (same key + same request → the same
// answer with `Idempotent-Replayed: true`; a different request → 422 IDEMPOTENCY_KEY_REUSED; scope:
// the account; answers kept 24 h). See src/services/idempotency.ts for how keys are claimed.
import { z } from 'zod';
import { idempotencyKeyHeaderSchema } from '../contract/common';
import type { Db } from '../db/client';
import type { AppContext } from './context';
import { answerOnce, requestHash, type ExecutionAnswer, type IdempotencyClaim } from '../services/idempotency';
import { parseRequest } from './middleware/validate';


/** The Idempotency-Key header's schema, built once (building a zod object per request cost a run request ~0.3 ms). */
const IDEMPOTENCY_HEADER = z.object({ 'idempotency-key': idempotencyKeyHeaderSchema });

/** The request's Idempotency-Key, or undefined; 400 INVALID_REQUEST when malformed. */
export function idempotencyKeyOf(ctx: AppContext): string | undefined {
  const raw = ctx.get('idempotency-key');
  if (!raw) return undefined;
  return parseRequest(IDEMPOTENCY_HEADER, { 'idempotency-key': raw })['idempotency-key'];
}

/** How a run route admits and answers; both functions must give the same answer for one execution. */
export interface RunAnswering {
  /** What identifies the request (route and body): a key reused with a different one is refused. */
  request: unknown;
  /** Admits the run (binding the claim, when there is a key) and answers about it. */
  produce(claim: IdempotencyClaim | undefined): Promise<ExecutionAnswer>;
  /** The answer about an already admitted execution (its first request died before answering). */
  answerFor(executionId: string): Promise<ExecutionAnswer>;
}

/** Answers a run request, once per Idempotency-Key when the request carries one. */
export async function answerRun(ctx: AppContext, db: Db, scope: string, run: RunAnswering): Promise<void> {
  const key = idempotencyKeyOf(ctx);
  const answer = key
    ? await answerOnce(db, { scope, key, hash: requestHash(run.request) }, { produce: (claim) => run.produce(claim), resume: (id) => run.answerFor(id) })
    : { ...(await run.produce(undefined)), replayed: false };
  if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
  const executionId = (answer.body as { executionId?: unknown; error?: { executionId?: unknown } } | null)?.executionId;
  if (typeof executionId === 'string') ctx.state.executionId = executionId;
  ctx.status = answer.status;
  ctx.body = answer.body;
}
