// Preloaded once into each reusable V8 context of the worker (see bundleWorkflowsHere), before the
// SDK freezes that context's globals: workflow code builds no stack traces.
//
// The SDK's promise hook builds a source-mapped stack trace for every promise workflow code
// creates, for the `__stack_trace` query (the Temporal UI's "Stack Trace" tab): an Error, its
// frames, a source-map lookup per frame and a few regular expressions over the text. That was a
// quarter of the workflow thread's CPU under the DAG bench (README, issue 21), whether or not
// anyone ever asks for a stack trace; replaying the recorded histories costs a quarter less CPU
// without it (`npm run bench -- workflow-cpu`). With no frames, the query answers empty traces and
// an error thrown by workflow code carries its message without a stack. WORKFLOW_STACK_TRACES=true
// bundles without this module (V8's default of 10 frames), for a debugging session.
Error.stackTraceLimit = 0;
