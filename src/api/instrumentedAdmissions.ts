// Counts admissions by trigger type without touching the admission service: every router gets
// the same instrumented instance from createApp.
import { errorCodeOf } from './errors';
import type { Admissions } from '../services/admission';
import { metrics } from '../observability/metrics';
import { inSpan } from '../observability/tracing';

/** An Admissions whose admit() also counts admitted and refused runs by trigger type. */
export function instrumentAdmissions(admissions: Admissions): Admissions {
  const instrumented = Object.create(admissions) as Admissions;
  instrumented.admit = (request) =>
    // The admission span: plan, checks, the debit transaction and the workflow start (its child).
    inSpan('admission', { 'builder.trigger': request.triggerType, 'builder.workflow_slug': request.workflow.slug }, async (span) => {
      try {
        const admission = await admissions.admit(request);
        span.setAttribute('builder.execution_id', admission.executionId);
        metrics.admissions.inc({ trigger: request.triggerType });
        if (admission.creditsHeld > 0) metrics.creditsHeld.inc(admission.creditsHeld);
        return admission;
      } catch (err) {
        metrics.admissionRefusals.inc({ trigger: request.triggerType, code: errorCodeOf(err) ?? 'INTERNAL' });
        throw err;
      }
    });
  return instrumented;
}
