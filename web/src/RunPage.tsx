// One run: its facts (status, trigger, credits, duration, replay links, Temporal UI), its actions
// (cancel, replay, replay from a node) and its canvas, live.
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { api, isTerminal, type ExecutionView } from './api';
import { elapsed, formatDuration, formatTime } from './format';
import { RunGraph } from './RunGraph';
import { StepCard, type StepNodeData } from './StepNode';
import { withToken } from './token';
import { useRun, type LiveState } from './useRun';

/** What the token allows, read from its claims for the buttons only (the server decides). */
function tokenAllowsActions(token: string): boolean {
  try {
    const claims = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { act?: boolean };
    return claims.act === true;
  } catch {
    return false;
  }
}

const LIVE_LABEL: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', ended: 'final', stopped: 'live updates stopped' };

/** Ticks every half second while something is running, for live durations. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function runDuration(view: ExecutionView, now: number): number | null {
  if (view.durationMs !== null) return view.durationMs;
  return elapsed(view.startedAt ?? view.createdAt, view.finishedAt, now);
}

/** True while the media query matches. */
function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setMatches(list.matches);
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}

/** The page of one run. */
export function RunPage({ id, token }: { id: string; token: string }) {
  const { view, graph, streamed, live, error } = useRun(id, token);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const canAct = tokenAllowsActions(token);
  // A narrow window reads the steps best as a list, in plan order; the canvas is one tap away.
  const narrow = useMedia('(max-width: 700px)');
  const [layoutChoice, setLayoutChoice] = useState<'canvas' | 'list' | null>(null);
  const mode = layoutChoice ?? (narrow ? 'list' : 'canvas');
  const now = useNow(view !== null && !isTerminal(view.status));

  const act = async (what: 'cancel' | 'replay', fromStepId?: string) => {
    setBusy(true);
    setActionError(null);
    try {
      const path = `/api/executions/${encodeURIComponent(id)}/${what}`;
      const answer = await api<{ executionId: string; viewToken?: string }>(token, 'POST', path, fromStepId ? { fromStepId } : {});
      if (what === 'replay') window.location.assign(withToken(`/runs/${encodeURIComponent(answer.executionId)}`, answer.viewToken ?? token));
    } catch (err) {
      setActionError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!view || !graph) {
    return <main className="page">{error ? <p className="banner error" data-role="load-error">{error.code}: {error.message}</p> : <p className="muted">Loading run {id}…</p>}</main>;
  }

  const stepOf = new Map(view.steps.map((step) => [step.id, step]));
  const dataOf = (nodeId: string): StepNodeData => {
    const node = graph.graph.nodes.find((n) => n.id === nodeId);
    const step = stepOf.get(nodeId);
    return {
      name: node?.name ?? nodeId,
      nodeType: node?.nodeType ?? step?.nodeType ?? '',
      output: node?.output ?? false,
      model: node?.model ?? null,
      step,
      streamed: streamed[nodeId],
      durationMs: step ? elapsed(step.startedAt, step.finishedAt, now) : null,
      ...(canAct ? { onReplayFrom: (stepId: string) => void act('replay', stepId) } : {}),
      replayBusy: busy,
    };
  };
  const actionsTitle = canAct ? undefined : 'This link is read-only: mint a view token with "actions": true to cancel or replay.';

  return (
    <main className="page run-page">
      <header className="bar">
        <a href="/runs" className="crumb">
          Runs
        </a>
        <h1 title={graph.graph.workflowSlug}>{graph.graph.workflowName}</h1>
        <code className="run-id">{view.id}</code>
        <span className={`badge big status-${view.status}`} data-run-status={view.status}>
          {view.status}
        </span>
        <span className={`live live-${live}`} data-live={live}>
          {LIVE_LABEL[live]}
        </span>
        <span className="spacer" />
        <button type="button" data-action="cancel" disabled={!canAct || busy || isTerminal(view.status)} title={actionsTitle} onClick={() => void act('cancel')}>
          Cancel
        </button>
        <button type="button" data-action="replay" disabled={!canAct || busy} title={actionsTitle} onClick={() => void act('replay')}>
          Replay
        </button>
      </header>
      <dl className="facts">
        <div><dt>Trigger</dt><dd data-fact="trigger">{view.triggerType}</dd></div>
        <div><dt>Credits used</dt><dd data-fact="credits-used">{view.creditsUsed}</dd></div>
        {view.creditsRefunded !== undefined ? <div><dt>Refunded</dt><dd data-fact="credits-refunded">{view.creditsRefunded}</dd></div> : null}
        <div><dt>Duration</dt><dd data-fact="duration">{formatDuration(runDuration(view, now))}</dd></div>
        <div><dt>Started</dt><dd>{formatTime(view.createdAt)}</dd></div>
        {view.parentExecutionId ? (
          <div>
            <dt>Replay of</dt>
            <dd><a href={withToken(`/runs/${encodeURIComponent(view.parentExecutionId)}`, token)} data-link="parent">{view.parentExecutionId}</a>{view.fromStepId ? ` from ${view.fromStepId}` : ' (full)'}</dd>
          </div>
        ) : null}
        {graph.replays.length > 0 ? (
          <div>
            <dt>Replays</dt>
            <dd className="replays">
              {graph.replays.map((replay) => (
                <a key={replay.id} href={withToken(`/runs/${encodeURIComponent(replay.id)}`, token)} data-link="replay">{replay.id}{replay.fromStepId ? ` (from ${replay.fromStepId})` : ''} · {replay.status}</a>
              ))}
            </dd>
          </div>
        ) : null}
        {graph.temporalUrl ? <div><dt>Temporal</dt><dd><a href={graph.temporalUrl} target="_blank" rel="noreferrer" data-link="temporal">open in Temporal UI</a></dd></div> : null}
      </dl>
      {view.error ? <p className="banner error" data-role="run-error">{view.error.stepId ? `${view.error.stepId}: ` : ''}{view.error.message ?? view.error.type}</p> : null}
      {actionError ? <p className="banner error" data-role="action-error">{actionError}</p> : null}
      {error ? <p className="banner error" data-role="load-error">{error.code}: {error.message}</p> : null}
      {live === 'stopped' ? <p className="banner warn">Live updates stopped (the link’s token may have expired). Mint a new link to follow this run.</p> : null}
      <div className="view-switch">
        <div role="group" aria-label="View">
          <button type="button" aria-pressed={mode === 'canvas'} data-view="canvas" onClick={() => setLayoutChoice('canvas')}>Canvas</button>
          <button type="button" aria-pressed={mode === 'list'} data-view="list" onClick={() => setLayoutChoice('list')}>List</button>
        </div>
        {canAct && !selected ? <span className="hint">Click a node to replay from it.</span> : null}
      </div>
      {mode === 'canvas' ? (
        <section className="canvas">
          <ReactFlowProvider>
            <RunGraph graph={graph.graph} dataOf={dataOf} selected={selected} onSelect={setSelected} />
          </ReactFlowProvider>
        </section>
      ) : (
        <section className="step-list">
          {[...graph.graph.nodes]
            .sort((a, b) => a.groupIndex - b.groupIndex)
            .map((node) => (
              <StepCard key={node.id} id={node.id} data={{ ...dataOf(node.id), after: node.dependsOn }} selected={selected === node.id} onSelect={() => setSelected(node.id)} />
            ))}
        </section>
      )}
    </main>
  );
}
