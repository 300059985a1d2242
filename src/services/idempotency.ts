// Idempotency keys: the first answer to a key is stored and replayed to every repeat, also to
// repeats that arrive while the first request is still being answered.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import { idempotencyInProgress, idempotencyKeyReused } from '../api/errors';

/** A stored answer. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** Status code of a claimed key whose answer is not stored yet. */
const PENDING = 0;

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
 * Answers a request under an idempotency key. The key is claimed with one
 * `INSERT … ON CONFLICT DO NOTHING`: exactly one request wins and runs `produce`; its successful
 * answer is stored and every other request with the key (concurrent or later) gets that same
 * answer. A failed first attempt releases the key, so a corrected retry can succeed. A key first
 * used with a different request is refused (422 IDEMPOTENCY_KEY_REUSED).
 */
export async function answerOnce(
  db: Db,
  scope: string,
  key: string,
  hash: string,
  produce: () => Promise<{ status: number; body: unknown; executionId: string }>,
  options: { waitMs?: number; pollMs?: number } = {},
): Promise<StoredAnswer> {
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    const claimed = await db.$executeRaw`
      INSERT INTO idempotency_records (scope, key, request_hash, execution_id, status_code, response)
      VALUES (${scope}, ${key}, ${hash}, '', ${PENDING}, 'null'::jsonb)
      ON CONFLICT (scope, key) DO NOTHING`;
    if (claimed === 1) {
      let answer: { status: number; body: unknown; executionId: string };
      try {
        answer = await produce();
      } catch (err) {
        await db.idempotencyRecord.deleteMany({ where: { scope, key, statusCode: PENDING } });
        throw err;
      }
      const stored = await db.idempotencyRecord.update({
        where: { scope_key: { scope, key } },
        data: { statusCode: answer.status, response: answer.body as object, executionId: answer.executionId },
      });
      // Answer with the stored copy, so the first answer and every replay are byte-identical.
      return { status: stored.statusCode, body: stored.response, replayed: false };
    }
    const record = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
    if (record) {
      if (record.requestHash !== hash) throw idempotencyKeyReused();
      if (record.statusCode !== PENDING) return { status: record.statusCode, body: record.response, replayed: true };
    }
    // Pending (the winner is still answering) or just released (the winner failed): look again.
    if (Date.now() > deadline) throw idempotencyInProgress();
    if (record) await sleep(options.pollMs ?? 20);
  }
}

