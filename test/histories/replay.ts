// Replays recorded histories against a workflow bundle with the SDK's replay worker: no server,
// no activities; any command the bundle issues differently from the history is a nondeterminism
// error, reported with the history's name (`<release>/<shape>`) and the SDK's message (which names
// the event).
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadRelease, recordedReleases, replayDataConverter, type RecordedHistory } from './store';

/** The outcome of one history. */
export interface ReplayOutcome {
  name: string;
  error?: { name: string; message: string };
}

/** Every history of every recorded release. */
export async function allRecordedHistories(): Promise<RecordedHistory[]> {
  const histories: RecordedHistory[] = [];
  for (const manifest of await recordedReleases()) histories.push(...(await loadRelease(manifest)));
  return histories;
}

/** Replays the histories against the bundle; one outcome per history, in order. */
export async function replayHistories(bundle: WorkflowBundleWithSourceMap, histories: RecordedHistory[]): Promise<ReplayOutcome[]> {
  const converter = await replayDataConverter(await recordedReleases());
  const byWorkflowId = new Map(histories.map((history) => [history.workflowId, history.name]));
  const outcomes: ReplayOutcome[] = [];
  try {
    const results = Worker.runReplayHistories(
      { workflowBundle: bundle, dataConverter: converter.dataConverter, replayName: 'recorded-histories' },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    for await (const result of results) {
      const name = byWorkflowId.get(result.workflowId) ?? result.workflowId;
      outcomes.push(result.error ? { name, error: { name: result.error.name, message: result.error.message } } : { name });
    }
  } finally {
    await converter.close();
  }
  return outcomes;
}

/**
 * One line per failed history: `<release>/<shape>: <error name>: <message>`, the message cut to the
 * SDK core's own sentence when there is one ("Nondeterminism error: … HistoryEvent(id: 5, …)").
 */
export function describeFailures(outcomes: ReplayOutcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.error)
    .map(({ name, error }) => `${name}: ${error!.name}: ${/Nondeterminism error: [^"]+/.exec(error!.message)?.[0] ?? error!.message}`);
}
