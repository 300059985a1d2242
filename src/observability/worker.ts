// Worker-side observability: an activity interceptor that logs each step attempt with its
// execution and step ids (a pino child per attempt) and records step durations, retries and waits.
import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { MirrorBatch } from '../activities/contracts';
import type { Logger } from './logger';
import { metrics } from './metrics';

/** The activity interceptor factory for Worker.create({ interceptors: { activity: [...] } }). */
export function stepObservability(logger: Logger): ActivityInterceptorsFactory {
  return (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, attempt, activityId, workflowExecution } = ctx.info;
        const arg = (input.args[0] ?? {}) as { nodeType?: unknown; executionId?: unknown } & Partial<Pick<MirrorBatch, 'changes'>>;
        if (activityType === 'mirror') {
          // The status mirror (a local activity): count steps entering a waitpoint once written.
          const result = await next(input);
          metrics.stepWaits.inc(waitingSteps(arg.changes));
          return result;
        }
        const nodeType = typeof arg.nodeType === 'string' ? arg.nodeType : activityType;
        // The activity id is the step id. The execution id is the activity's own argument: the Temporal
        // workflow id is the slug followed by it (src/domain/workflowIds.ts), logged as such.
        const executionId = typeof arg.executionId === 'string' ? arg.executionId : undefined;
        const log = logger.child({ ...(executionId ? { executionId } : {}), temporalWorkflowId: workflowExecution?.workflowId, stepId: activityId, nodeType, attempt });
        if (attempt > 1) metrics.stepRetries.inc({ node_type: nodeType });
        log.info({ activityType }, 'step attempt started');
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const result = await next(input);
          metrics.stepDuration.observe({ node_type: nodeType, outcome: 'completed' }, seconds());
          log.info({ durationMs: Math.round(seconds() * 1000) }, 'step attempt completed');
          return result;
        } catch (err) {
          const cancelled = ctx.cancellationSignal.aborted;
          metrics.stepDuration.observe({ node_type: nodeType, outcome: cancelled ? 'cancelled' : 'error' }, seconds());
          const error = err instanceof Error ? { type: (err as { type?: string }).type ?? err.name, message: err.message } : { message: String(err) };
          log.warn({ durationMs: Math.round(seconds() * 1000), error }, cancelled ? 'step attempt cancelled' : 'step attempt failed');
          throw err;
        }
      },
    },
  });
}

/** Step changes of a mirror batch that put a step into `waiting`. */
function waitingSteps(changes: MirrorBatch['changes'] | undefined): number {
  return changes?.filter((change) => change.kind === 'step' && change.patch.status === 'waiting').length ?? 0;
}
