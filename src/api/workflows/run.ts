// The parts of running a workflow over HTTP that every run route shares (the public API and the
// MCP agents' route): finding a workflow the key may run, admission under an Idempotency-Key, and
// a sync outcome. Their bodies are validated by their contract entries (src/contract/workflows.ts).
import type { RouterMiddleware } from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { findRunOutcome, findWorkflowBySlug, type RunOutcome } from '../../db/hotReads';
import type { TriggerType } from '../../domain/types';
import { isTerminalExecutionStatus } from '../../domain/statuses';
import type { EventHub } from '../../events/hub';
import type { Admissions, WorkflowRecord } from '../../services/admission';
import { canRunWorkflow } from '../../services/apiKeys';
import { presentMedia, type MediaUrlSigner } from '../../media/urls';
import type { ExecutionAnswer } from '../../services/idempotency';
import type { AppContext, AuthedState, AuthState } from '../context';
import { capabilityDenied, engineUnavailable, executionFailed, HttpError, invalidInputs, notFound } from '../errors';
import { answerRun } from '../idempotency';
import { errorBody } from '../middleware/errorHandler';
import type { Refusal } from '../openapi/route';
import { slugSchema } from '../../contract/common';
import type { RunAccepted, RunResponse } from '../../contract/workflows';

/** The caller's workflow by slug, after the capability check (so other accounts' slugs look absent). */
export async function findRunnableWorkflow(db: Db, auth: AuthState, slug: string) {
  if (!slugSchema.safeParse(slug).success) throw notFound(`Workflow "${slug}"`);
  if (!canRunWorkflow(auth.capabilities, slug)) throw capabilityDenied(slug);
  const workflow = await findWorkflowBySlug(db, auth.account.id, slug);
  if (!workflow) throw notFound(`Workflow "${slug}"`);
  return workflow;
}

/** A run route's state once its workflow is found (before the request is validated). */
export type RunnableState = AuthedState & { workflow: WorkflowRecord };

/**
 * The first middleware of the run routes (run, estimate, MCP run): the caller's workflow by `:slug`,
 * found before the request is validated, so an unknown slug is a 404 whatever the body (slugs cannot be probed).
 */
export function runnableWorkflowFirst(db: Db): RouterMiddleware<AuthedState> {
  return async (ctx, next) => {
    (ctx.state as RunnableState).workflow = await findRunnableWorkflow(db, ctx.state.auth, String(ctx.params.slug));
    await next();
  };
}

/** The seed's refusal of a run body that is not an object with an `inputs` object (400 INVALID_INPUTS). */
export const inputsRequired = () => invalidInputs('The request body must be an object with an "inputs" object.', [{ field: 'inputs', message: 'is required' }]);

/** A run route's `refuse.body`: INVALID_INPUTS when the body is not an object or its `inputs` does not match. */
export const refuseWithoutInputs: Refusal = (_raw, issues) => (issues.some((issue) => issue.path.length === 0 || issue.path[0] === 'inputs') ? inputsRequired() : undefined);

/** What a run route serves: one run of `workflow` for the caller. */
export interface RunRequest {
  auth: AuthState;
  workflow: WorkflowRecord;
  triggerType: TriggerType;
  inputs: unknown;
  runAsync: boolean;
  receivedAtMs: number;
  callbackUrl?: string;
  /** The body's budget: a run whose estimate exceeds it is refused (402 BUDGET_EXCEEDED). */
  maxCredits?: number;
  /** `Cache-Control: no-cache`: the run's cached steps do not read the output cache (they refresh it). */
  cacheBypass?: boolean;
  /** Fields added to every answer of this route (MCP adds `triggerType`). */
  extra?: Record<string, unknown>;
}

/**
 * Admits the run and answers it: 202 at once (async) or 200 / 500 EXECUTION_FAILED once it settles
 * (sync), once per Idempotency-Key. A failed sync run is an answer too (it was admitted and refunded):
 * its repeats replay the 500 instead of starting another run.
 */
export async function serveRun(
  ctx: AppContext,
  deps: { db: Db; temporal: Client; admissions: Admissions; events?: EventHub; media?: { signer: MediaUrlSigner } },
  run: RunRequest,
): Promise<void> {
  const { auth, extra = {} } = run;
  const answerFor = async (executionId: string, temporalWorkflowId?: string, watch?: EndWatch): Promise<ExecutionAnswer> => {
    if (run.runAsync) {
      return { status: 202, executionId, body: { success: true, executionId, status: 'planning', ...extra, statusUrl: `/api/executions/${executionId}` } satisfies RunAccepted };
    }
    try {
      const execution = await awaitCompletedRun(deps, auth.account.id, executionId, temporalWorkflowId, watch);
      return {
        status: 200,
        executionId,
        body: { success: true, executionId, ...extra, output: execution.output, creditsUsed: execution.creditsUsed, durationMs: execution.durationMs ?? 0 } satisfies RunResponse,
      };
    } catch (err) {
      if (err instanceof HttpError && err.code === 'EXECUTION_FAILED') return { status: err.status, executionId, body: errorBody(err) };
      throw err;
    }
  };
  await answerRun(ctx, deps.db, auth.account.id, {
    request: { route: `${ctx.method} ${ctx.path}`, async: run.runAsync, body: ctx.request.body ?? null },
    answerFor,
    produce: async (claim) => {
      // A sync run is watched from before its workflow starts (see EndWatch.beforeStart).
      let watch: EndWatch | undefined;
      try {
        const admission = await deps.admissions.admit({
          account: auth.account,
          workflow: run.workflow,
          triggerType: run.triggerType,
          inputs: run.inputs,
          async: run.runAsync,
          receivedAtMs: run.receivedAtMs,
          ...(run.callbackUrl ? { callbackUrl: run.callbackUrl } : {}),
          ...(run.maxCredits !== undefined ? { maxCredits: run.maxCredits } : {}),
          ...(run.cacheBypass ? { cacheBypass: true } : {}),
          ...(claim ? { idempotencyClaim: claim } : {}),
          ...(run.runAsync ? {} : { beforeStart: async (executionId: string) => void (watch = await EndWatch.beforeStart(deps.events, executionId)) }),
        });
        ctx.state.executionId = admission.executionId;
        return await answerFor(admission.executionId, admission.temporalWorkflowId, watch);
      } finally {
        watch?.stop();
      }
    },
  });
}

/**
 * How often a sync run's row is re-read when no notification woke the waiter: often when there is
 * no listener (or it is down), rarely when it listens (a notification wakes the waiter at once; the
 * read only covers a notification lost with a reconnect, which wakes every watcher anyway).
 */
const SETTLE_POLL_MS = 250;
const SETTLE_POLL_LISTENING_MS = 2_000;
/**
 * When the waiter starts watching the workflow itself (a long poll on Temporal), for a run that
 * ends without a mirror write (terminated by an operator). Not at once: a run that ends sooner is
 * answered from its row, and its long poll would cost the API and Temporal a call for nothing.
 */
const CLOSE_WATCH_AFTER_MS = 3_000;

/**
 * Waits until a run has settled: the mirror recorded its terminal status (it does so, in order and
 * durably, before the workflow goes on to deliver the result callback), or its workflow closed
 * (e.g. terminated by an operator, so no mirror write will come). Not the workflow's result: that
 * includes the callback delivery with its retries, which goes on in the workflow after the answer.
 * Answers the run's row as last read (null when it could not be read).
 */
export async function awaitSettledRun(
  deps: { db: Db; temporal: Client; events?: EventHub },
  accountId: string,
  executionId: string,
  /** The run's Temporal workflow id when the caller knows it (admission does); else read from its row. */
  temporalWorkflowId?: string,
  /** A watch begun before the run's workflow started (EndWatch.beforeStart); else one begins here. */
  preWatch?: EndWatch,
): Promise<RunOutcome | null> {
  const watch = preWatch ?? (await EndWatch.now(deps.events, executionId));
  let closed = false;
  let settled = false;
  const watchClose = async () => {
    if (settled) return;
    // The workflow is addressed by the id admission stored (see src/domain/workflowIds.ts).
    const stored = temporalWorkflowId
      ? { temporalWorkflowId }
      : await deps.db.execution.findFirst({ where: { id: executionId, accountId }, select: { temporalWorkflowId: true } }).catch(() => null);
    if (settled) return;
    await deps.temporal.workflow
      .getHandle(stored?.temporalWorkflowId ?? executionId)
      .result()
      .catch(() => undefined);
    closed = true;
    watch.poke();
  };
  const closeWatch = setTimeout(() => void watchClose(), CLOSE_WATCH_AFTER_MS);
  const untilWokenOrPoll = () => watch.sleep(deps.events?.listening ? SETTLE_POLL_LISTENING_MS : SETTLE_POLL_MS);
  try {
    // A watch that heard everything since before the run started has nothing to read until woken.
    if (watch.heardAllSinceStart && !watch.dirty) await untilWokenOrPoll();
    for (;;) {
      watch.dirty = false;
      // A failed read (the database is briefly unreachable) is only a reason to look again.
      const row = await findRunOutcome(deps.db, accountId, executionId).catch(() => null);
      if (row && isTerminalExecutionStatus(row.status)) return row;
      // The workflow closed before this read (else `dirty` says so: read again): its mirror wrote what it had to.
      if (closed && !watch.dirty) return row;
      if (watch.dirty) continue;
      await untilWokenOrPoll();
    }
  } finally {
    settled = true;
    clearTimeout(closeWatch);
    if (!preWatch) watch.stop();
  }
}

/**
 * A sync waiter's watch on its run's end (woken by the listener's `execution_ends`, one read per
 * wake, not by each of the run's events). Begun before the workflow starts, with the listener up,
 * it hears the end whenever it comes (a lost connection wakes every watcher when it is back), so
 * the waiter skips the read it would otherwise make at once, which under load always found the
 * run still going: one statement less per sync run.
 */
export class EndWatch {
  /** Woken since the waiter last read the run. */
  dirty = false;
  private wake: () => void = () => undefined;
  private stopWatch: () => void = () => undefined;

  /** Begun before the run's workflow started, with the listener up. */
  heardAllSinceStart = false;

  private constructor() {}

  /** A watch begun before the run's workflow starts (admission's `beforeStart`). */
  static beforeStart(events: EventHub | undefined, executionId: string): Promise<EndWatch> {
    return EndWatch.begin(events, executionId, true);
  }

  /** A watch of a run that may already have ended: the waiter reads it first. */
  static now(events: EventHub | undefined, executionId: string): Promise<EndWatch> {
    return EndWatch.begin(events, executionId, false);
  }

  private static async begin(events: EventHub | undefined, executionId: string, beforeStart: boolean): Promise<EndWatch> {
    const watch = new EndWatch();
    if (!events) return watch;
    const stop = await events.watch(executionId, () => watch.poke(), 'end').catch(() => undefined);
    if (!stop) return watch;
    watch.stopWatch = stop;
    // `listening` once watch() resolved: the LISTEN is on the current connection (see EventHub.watch).
    watch.heardAllSinceStart = beforeStart && events.listening;
    return watch;
  }

  poke(): void {
    this.dirty = true;
    this.wake();
  }

  /** Resolves when woken, or after `ms`. */
  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = () => undefined;
  }

  stop(): void {
    this.stopWatch();
    this.stopWatch = () => undefined;
  }
}

/** What a settled sync run answers with. */
export interface CompletedRun {
  id: string;
  output: unknown;
  creditsUsed: number;
  durationMs: number | null;
}

/**
 * Waits for a sync run to settle; returns it when completed (its output's media signed), else throws
 * 500 EXECUTION_FAILED naming the step and cause. Reads only what the answer needs: the run's row,
 * not its steps.
 */
export async function awaitCompletedRun(
  deps: { db: Db; temporal: Client; events?: EventHub; media?: { signer: MediaUrlSigner } },
  accountId: string,
  executionId: string,
  temporalWorkflowId?: string,
  watch?: EndWatch,
): Promise<CompletedRun> {
  const execution = await awaitSettledRun(deps, accountId, executionId, temporalWorkflowId, watch);
  if (!execution) throw engineUnavailable('The run finished but its record could not be read.');
  if (execution.status !== 'completed') {
    const error = execution.error as { stepId?: string; message?: string } | null;
    throw executionFailed(
      execution.id,
      error,
      error?.stepId ? `Step "${error.stepId}" failed: ${error.message}` : (error?.message ?? `The run ended ${execution.status}.`),
    );
  }
  const signer = deps.media?.signer;
  return { id: execution.id, output: signer ? presentMedia(execution.output, signer) : execution.output, creditsUsed: execution.creditsUsed, durationMs: execution.durationMs };
}
