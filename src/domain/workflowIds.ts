// The one rule that names an execution's Temporal workflow. The Temporal UI's run list shows
// workflow ids, so the id leads with the workflow's slug (which never changes) and ends with the
// execution id (which makes it unique): `demo-text-chain-ex_6f1c…`. Everything that addresses a
// run's workflow (cancel, provider callbacks, sync waits, the reconciler, tests) uses the id
// admission stored on the execution, which this rule made.

/** The Temporal workflow id of execution `executionId` of the workflow with slug `slug`. */
export function temporalWorkflowIdOf(slug: string, executionId: string): string {
  return `${slug}-${executionId}`;
}
