// A run kept current: loaded once, then moved along by its live event stream (SSE with the view
// token in the query, since EventSource cannot send headers). Status events patch the step at once
// and schedule a re-read of the run; tokens are appended to their step's streamed text.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ExecutionView, type GraphView, type StepStatus } from './api';

/** Where the live stream stands. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'stopped';

/** The run, its graph, streamed text per step, the live state and the last load error. */
export function useRun(id: string, token: string) {
  const [view, setView] = useState<ExecutionView | null>(null);
  const [graph, setGraph] = useState<GraphView | null>(null);
  const [streamed, setStreamed] = useState<Record<string, string>>({});
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const alive = useRef(true);

  const fail = useCallback((err: unknown) => {
    if (!alive.current) return;
    const e = err as { code?: string; message?: string };
    setError({ code: e.code ?? 'ERROR', message: e.message ?? String(err) });
  }, []);
  const refresh = useCallback(async () => {
    const answer = await api<{ execution: ExecutionView }>(token, 'GET', `/api/executions/${encodeURIComponent(id)}`);
    if (alive.current) setView(answer.execution);
  }, [id, token]);
  const refreshGraph = useCallback(async () => {
    const answer = await api<GraphView>(token, 'GET', `/api/executions/${encodeURIComponent(id)}/graph`);
    if (alive.current) setGraph(answer);
  }, [id, token]);

  useEffect(() => {
    alive.current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        refresh().catch(fail);
      }, 100);
    };
    refresh().catch(fail);
    refreshGraph().catch(fail);

    const source = new EventSource(`/api/executions/${encodeURIComponent(id)}/events?token=${encodeURIComponent(token)}`);
    const data = (event: Event) => JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>;
    source.onopen = () => setLive('live');
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting');
    source.addEventListener('step.status', (event) => {
      const { stepId, status, attempt } = data(event) as { stepId: string; status: StepStatus; attempt?: number };
      // A retry starts its text again.
      if (status === 'running' && (attempt ?? 1) > 1) setStreamed((s) => ({ ...s, [stepId]: '' }));
      setView((v) =>
        v && { ...v, steps: v.steps.map((step) => (step.id === stepId ? { ...step, status, attempts: Math.max(step.attempts, attempt ?? step.attempts) } : step)) },
      );
      schedule();
    });
    source.addEventListener('step.token', (event) => {
      const { stepId, token: text } = data(event) as { stepId: string; token: string };
      setStreamed((s) => ({ ...s, [stepId]: (s[stepId] ?? '') + text }));
    });
    source.addEventListener('step.attempt_failed', schedule);
    source.addEventListener('run.status', schedule);
    source.addEventListener('run.end', () => {
      source.close();
      setLive('ended');
      refresh().catch(fail);
      refreshGraph().catch(fail);
    });
    return () => {
      alive.current = false;
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [id, token, refresh, refreshGraph, fail]);

  return { view, graph, streamed, live, error, refresh, refreshGraph };
}
