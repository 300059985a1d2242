// The list of runs: filters by workflow, status and trigger (kept in the query string), newest
// first, refreshed every few seconds, each row linking to its run.
import { useEffect, useState } from 'react';
import { api, type ExecutionRow } from './api';
import { formatDuration, formatTime } from './format';
import { withToken } from './token';

const STATUSES = ['planning', 'running', 'waiting', 'completed', 'error', 'cancelled'];
const TRIGGERS = ['manual', 'api', 'webhook', 'mcp', 'user-mcp', 'replay'];

interface Filters {
  workflow: string;
  status: string;
  trigger: string;
}

function filtersFromUrl(): Filters {
  const q = new URLSearchParams(window.location.search);
  return { workflow: q.get('workflow') ?? '', status: q.get('status') ?? '', trigger: q.get('trigger') ?? '' };
}

function queryOf(filters: Filters): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) q.set(name, value);
  return q.toString();
}

/** The /runs page. */
export function RunsList({ token }: { token: string }) {
  const [filters, setFilters] = useState<Filters>(filtersFromUrl);
  const [rows, setRows] = useState<ExecutionRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const query = queryOf(filters);
    window.history.replaceState(null, '', `/runs${query ? `?${query}` : ''}`);
    const load = () =>
      api<{ executions: ExecutionRow[] }>(token, 'GET', `/api/executions?limit=100${query ? `&${query}` : ''}`)
        .then((answer) => {
          if (!alive) return;
          setRows(answer.executions);
          setError(null);
        })
        .catch((err: Error & { code?: string }) => alive && setError(`${err.code ?? 'ERROR'}: ${err.message}`));
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [filters, token]);

  const set = (name: keyof Filters) => (event: { target: { value: string } }) => setFilters((f) => ({ ...f, [name]: event.target.value }));
  return (
    <main className="page list-page">
      <header className="bar">
        <h1>Runs</h1>
        <span className="spacer" />
        <form className="filters" onSubmit={(event) => event.preventDefault()}>
          <input aria-label="Workflow slug" placeholder="workflow slug" value={filters.workflow} onChange={set('workflow')} data-filter="workflow" />
          <select aria-label="Status" value={filters.status} onChange={set('status')} data-filter="status">
            <option value="">any status</option>
            {STATUSES.map((s) => <option key={s}>{s}</option>)}
          </select>
          <select aria-label="Trigger" value={filters.trigger} onChange={set('trigger')} data-filter="trigger">
            <option value="">any trigger</option>
            {TRIGGERS.map((t) => <option key={t}>{t}</option>)}
          </select>
        </form>
      </header>
      {error ? <p className="banner error" data-role="load-error">{error}</p> : null}
      {rows === null ? <p className="muted">Loading…</p> : rows.length === 0 ? <p className="muted">No runs match.</p> : (
        <div className="table-wrap">
          <table className="runs">
            <thead>
              <tr><th>Status</th><th>Run</th><th>Workflow</th><th>Trigger</th><th>Credits</th><th>Duration</th><th>Started</th></tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-execution-id={row.id}>
                  <td><span className={`badge status-${row.status}`} data-status={row.status}>{row.status}</span></td>
                  <td><a href={withToken(`/runs/${encodeURIComponent(row.id)}`, token)}>{row.id}</a>{row.parentExecutionId ? <span className="muted" title="a replay"> ↻</span> : null}</td>
                  <td>{row.workflowSlug}</td>
                  <td>{row.triggerType}</td>
                  <td>{row.creditsUsed}</td>
                  <td>{formatDuration(row.durationMs)}</td>
                  <td>{formatTime(row.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
