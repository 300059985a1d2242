// Idempotency keys (Stripe's semantics): the first answer to a key is stored and replayed to every
// repeat, also to repeats that arrive while the first request is still being answered, and also
// when the first request's process died before answering.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import type { RawTx } from '../db/ledger';
import { idempotencyInProgress, idempotencyKeyReused } from '../domain/refusals';

/** A stored answer. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** An answer about one execution. */
export interface ExecutionAnswer {
  status: number;
  body: unknown;
  executionId: string;
}

/** A request's hold on a key; admission commits its execution only under it (see {@link bindClaim}). */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  token: string;
}

/** How long stored answers are kept (and a key stays bound to its first request). */
export const RETENTION_MS = 24 * 60 * 60 * 1000;

/** How long a claim that has admitted nothing yet is held before another request may take it over. */
export const DEFAULT_LEASE_MS = 15_000;

/** Status code of a claimed key whose answer is not stored yet. */
const PENDING = 0;

/** Thrown inside the admission transaction when its claim was taken over: nothing is admitted. */
export class IdempotencyClaimLost extends Error {
  override readonly name = 'IdempotencyClaimLost';
}

/** SHA-256 of a value's canonical JSON (object keys sorted), so key order does not matter. */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(value ?? null))).digest('hex');
}

/**
 * Binds the claim to the execution being admitted, inside the admission transaction: the key then
 * names its execution exactly when the execution exists. Throws {@link IdempotencyClaimLost} (rolling
 * the admission back) when the claim's lease ran out and another request took the key over.
 */
export async function bindClaim(tx: RawTx, claim: IdempotencyClaim, executionId: string): Promise<void> {
  const bound = await tx.$executeRaw`
    UPDATE idempotency_records SET execution_id = ${executionId}
    WHERE scope = ${claim.scope} AND key = ${claim.key} AND claim_token = ${claim.token}
      AND status_code = ${PENDING} AND execution_id = ''`;
  if (bound !== 1) throw new IdempotencyClaimLost('The Idempotency-Key was taken over by another request.');
}

/** What answering under a key needs from the route. */
export interface AnswerHandlers {
  /** Admits (passing the claim to admission) and answers; a throw releases the key. */
  produce(claim: IdempotencyClaim): Promise<ExecutionAnswer>;
  /** The answer about an execution admitted under the key whose first request never stored it. */
  resume(executionId: string): Promise<ExecutionAnswer>;
}

interface RecordRow {
  request_hash: string;
  execution_id: string;
  status_code: number;
  response: unknown;
  lease_expired: boolean;
  retired: boolean;
}

/**
 * Answers a request under an idempotency key. The key is claimed with one
 * `INSERT … ON CONFLICT DO NOTHING`: exactly one request wins and runs `produce`; its answer is
 * stored and every other request with the key (concurrent or later) gets that same answer. A
 * failed first attempt releases the key, so a corrected retry can succeed. A key first used with a
 * different request is refused (IDEMPOTENCY_KEY_REUSED).
 *
 * If the winner dies: a claim that already admitted an execution is answered from that execution
 * (`resume`), by whichever repeat comes first; a claim that admitted nothing is taken over once its
 * lease expires. Admission binds the claim in its own transaction, so the two cases never overlap.
 */
export async function answerOnce(
  db: Db,
  request: { scope: string; key: string; hash: string },
  handlers: AnswerHandlers,
  options: { waitMs?: number; pollMs?: number; leaseMs?: number } = {},
): Promise<StoredAnswer> {
  const { scope, key, hash } = request;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    const token = randomUUID();
    let claimed =
      (await db.$executeRaw`
        INSERT INTO idempotency_records (scope, key, request_hash, execution_id, status_code, response, claim_token, lease_expires_at)
        VALUES (${scope}, ${key}, ${hash}, '', ${PENDING}, 'null'::jsonb, ${token}, now() + ${leaseMs} * interval '1 millisecond')
        ON CONFLICT (scope, key) DO NOTHING`) === 1;
    let record: RecordRow | undefined;
    if (!claimed) {
      [record] = await db.$queryRaw<RecordRow[]>`
        SELECT request_hash, execution_id, status_code, response,
               COALESCE(lease_expires_at < now(), true) AS lease_expired,
               created_at < now() - ${RETENTION_MS} * interval '1 millisecond' AS retired
        FROM idempotency_records WHERE scope = ${scope} AND key = ${key}`;
      if (record?.retired) {
        // Past retention the key is free again, whatever it answered then.
        await db.$executeRaw`DELETE FROM idempotency_records WHERE scope = ${scope} AND key = ${key} AND created_at < now() - ${RETENTION_MS} * interval '1 millisecond'`;
        continue;
      }
      if (record) {
        if (record.request_hash !== hash) throw idempotencyKeyReused();
        if (record.status_code !== PENDING) return { status: record.status_code, body: record.response, replayed: true };
        if (record.execution_id !== '') {
          // Admitted: the execution is the truth, whether or not its first request is still alive.
          return { ...(await store(db, scope, key, await handlers.resume(record.execution_id))), replayed: true };
        }
        if (record.lease_expired) {
          // Nothing was admitted and the holder is gone (or too slow: its admission will not bind): take over.
          claimed =
            (await db.$executeRaw`
              UPDATE idempotency_records SET claim_token = ${token}, lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
              WHERE scope = ${scope} AND key = ${key} AND status_code = ${PENDING} AND execution_id = ''
                AND COALESCE(lease_expires_at < now(), true)`) === 1;
        }
      }
    }
    if (claimed) {
      let answer: ExecutionAnswer;
      try {
        answer = await handlers.produce({ scope, key, token });
      } catch (err) {
        if (err instanceof IdempotencyClaimLost) continue;
        // Not admitted, or admitted but never started (settled and refunded): the key is free again.
        // A run that may have started (Temporal could not say; it stays `planning`, paid) keeps the
        // key: a repeat is answered from that execution instead of admitting a second run.
        await db.$executeRaw`DELETE FROM idempotency_records WHERE scope = ${scope} AND key = ${key} AND claim_token = ${token} AND status_code = ${PENDING}
          AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = idempotency_records.execution_id AND e.status::text <> 'error')`;
        throw err;
      }
      return { ...(await store(db, scope, key, answer)), replayed: false };
    }
    // Pending (the winner is still admitting) or just released (the winner failed): look again.
    if (Date.now() > deadline) throw idempotencyInProgress();
    if (record) await sleep(options.pollMs ?? 20);
  }
}

/** Stores the answer unless one is stored already; returns the stored copy, so every answer is byte-identical. */
async function store(db: Db, scope: string, key: string, answer: ExecutionAnswer): Promise<{ status: number; body: unknown }> {
  await db.$executeRaw`
    UPDATE idempotency_records SET status_code = ${answer.status}, response = ${JSON.stringify(answer.body)}::jsonb,
      execution_id = ${answer.executionId}, lease_expires_at = NULL
    WHERE scope = ${scope} AND key = ${key} AND status_code = ${PENDING}`;
  const stored = await db.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope, key } } });
  return { status: stored.statusCode, body: stored.response };
}

/**
 * Releases claims that admitted nothing and whose lease ran out (their request died), and forgets
 * answers past retention. Claims that did admit are answered from their execution by the next repeat.
 */
export async function releaseAbandonedClaims(db: Db): Promise<{ released: number; expired: number }> {
  const released = await db.$executeRaw`
    DELETE FROM idempotency_records WHERE status_code = ${PENDING} AND execution_id = '' AND COALESCE(lease_expires_at < now(), true)`;
  const expired = await db.$executeRaw`DELETE FROM idempotency_records WHERE created_at < now() - ${RETENTION_MS} * interval '1 millisecond'`;
  return { released, expired };
}
