// Where the sandbox's async jobs live: in Postgres (`sandbox_jobs`) for workers, so that any worker
// polls, finishes and calls back a job another worker started (a replaced worker loses none), or in
// memory for a process without a database (the API's callback parsing, unit tests). Finishing a job
// and delivering its callback are claimed with a lease, so two workers never do the same job twice.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import type { RenderRequest } from './sandboxRender';
import type { JobState } from './types';

/** A sandbox job as stored. */
export interface SandboxJobRow {
  id: string;
  idempotencyKey: string;
  executionId: string;
  kind: string;
  prompt: string;
  /** `render`: what to render; `knobs`: callback, jobFails, callbackDelayMs. */
  spec: { render: RenderRequest; knobs: Record<string, unknown> };
  callbackUrl: string | null;
  dueAt: Date;
  status: 'running' | 'succeeded' | 'failed';
  state: JobState | null;
  callbackPending: boolean;
}

/** What a new job is inserted with. */
export type NewSandboxJob = Omit<SandboxJobRow, 'status' | 'state' | 'callbackPending'>;

/** The job store. Claims hold for `leaseMs`; a worker that dies holding one lets another take over after it. */
export interface SandboxJobStore {
  /** Inserts the job, or returns the one already stored under its idempotency key. */
  insert(job: NewSandboxJob): Promise<SandboxJobRow>;
  get(id: string): Promise<SandboxJobRow | undefined>;
  /** Claims the job when it is due and owes work (still running, or a callback pending); undefined when not. */
  claim(id: string, leaseMs: number): Promise<{ row: SandboxJobRow; release(): Promise<void> } | undefined>;
  /** Ids of jobs that are due and owe work, whose lease (if any) ran out. */
  due(limit: number): Promise<string[]>;
  /** Settles a running job; false when it was no longer running (cancelled meanwhile). */
  settle(id: string, state: Exclude<JobState, { status: 'running' }>, callbackPending: boolean): Promise<boolean>;
  /** Marks the callback done (delivered or given up to polling). */
  callbackDone(id: string): Promise<void>;
}

/** Jobs in Postgres. */
export function dbSandboxJobs(db: Db): SandboxJobStore {
  const rowOf = (row: Awaited<ReturnType<Db['sandboxJob']['findUnique']>>): SandboxJobRow | undefined =>
    row
      ? {
          id: row.id,
          idempotencyKey: row.idempotencyKey,
          executionId: row.executionId,
          kind: row.kind,
          prompt: row.prompt,
          spec: row.spec as unknown as SandboxJobRow['spec'],
          callbackUrl: row.callbackUrl,
          dueAt: row.dueAt,
          status: row.status as SandboxJobRow['status'],
          state: (row.state ?? null) as JobState | null,
          callbackPending: row.callbackPending,
        }
      : undefined;
  const owesWork = (now: Date) => ({
    dueAt: { lte: now },
    OR: [{ status: 'running' }, { callbackPending: true }],
    AND: [{ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
  });
  return {
    async insert(job) {
      await db.sandboxJob.createMany({
        data: [{ ...job, spec: job.spec as object }],
        skipDuplicates: true,
      });
      return rowOf(await db.sandboxJob.findUniqueOrThrow({ where: { idempotencyKey: job.idempotencyKey } }))!;
    },
    async get(id) {
      return rowOf(await db.sandboxJob.findUnique({ where: { id } }));
    },
    async claim(id, leaseMs) {
      const now = new Date();
      const owner = randomUUID();
      const { count } = await db.sandboxJob.updateMany({ where: { id, ...owesWork(now) }, data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) } });
      if (count === 0) return undefined;
      const row = rowOf(await db.sandboxJob.findUnique({ where: { id } }))!;
      return { row, release: async () => void (await db.sandboxJob.updateMany({ where: { id, leaseOwner: owner }, data: { leaseOwner: null, leaseUntil: null } })) };
    },
    async due(limit) {
      const rows = await db.sandboxJob.findMany({ where: owesWork(new Date()), select: { id: true }, orderBy: { dueAt: 'asc' }, take: limit });
      return rows.map((row) => row.id);
    },
    async settle(id, state, callbackPending) {
      const { count } = await db.sandboxJob.updateMany({ where: { id, status: 'running' }, data: { status: state.status, state: state as object, callbackPending } });
      return count === 1;
    },
    async callbackDone(id) {
      await db.sandboxJob.update({ where: { id }, data: { callbackPending: false } });
    },
  };
}

/** Jobs in this process's memory: gone with the process (no database to keep them in). */
export function memorySandboxJobs(): SandboxJobStore {
  const byId = new Map<string, SandboxJobRow & { leaseUntil: number }>();
  const byKey = new Map<string, string>();
  const owesWork = (job: SandboxJobRow & { leaseUntil: number }, now: number) =>
    job.dueAt.getTime() <= now && (job.status === 'running' || job.callbackPending) && job.leaseUntil < now;
  return {
    async insert(job) {
      const existing = byKey.get(job.idempotencyKey);
      if (existing) return byId.get(existing)!;
      const row = { ...job, status: 'running' as const, state: null, callbackPending: false, leaseUntil: 0 };
      byId.set(row.id, row);
      byKey.set(row.idempotencyKey, row.id);
      return row;
    },
    async get(id) {
      return byId.get(id);
    },
    async claim(id, leaseMs) {
      const job = byId.get(id);
      const now = Date.now();
      if (!job || !owesWork(job, now)) return undefined;
      job.leaseUntil = now + leaseMs;
      return { row: { ...job }, release: async () => void (job.leaseUntil = 0) };
    },
    async due(limit) {
      const now = Date.now();
      return [...byId.values()].filter((job) => owesWork(job, now)).slice(0, limit).map((job) => job.id);
    },
    async settle(id, state, callbackPending) {
      const job = byId.get(id);
      if (job?.status !== 'running') return false;
      Object.assign(job, { status: state.status, state, callbackPending });
      return true;
    },
    async callbackDone(id) {
      const job = byId.get(id);
      if (job) job.callbackPending = false;
    },
  };
}
