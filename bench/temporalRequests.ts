// What the Temporal server is asked per run, from its own metrics page (the dev server's or the cluster's):
// the requests each of its services serves (frontend, history, matching) and the calls it makes to
// its persistence, by operation. The CPU figures say how much more the server spends on one kind of
// run than on another; these say on what.

/** Counts by `service operation` (requests) and `persistence operation` (persistence calls). */
export type RequestCounts = Map<string, number>;

const LINE = /^(service_requests|persistence_requests)\{([^}]*)\}\s+([0-9.e+-]+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

/** Parses a Prometheus text page into request counts (the internal `temporal_system` namespace left out). */
export function parseRequestCounts(page: string): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of page.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const labels = new Map([...match[2]!.matchAll(LABEL)].map((label) => [label[1]!, label[2]!]));
    if (labels.get('namespace') === 'temporal_system') continue;
    const key = match[1] === 'service_requests' ? `${labels.get('service_name')} ${labels.get('operation')}` : `persistence ${labels.get('operation')}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(match[3]));
  }
  return counts;
}

/** The counts now; an empty map when there is no metrics page to read. */
export async function scrapeRequestCounts(url: string | undefined): Promise<RequestCounts> {
  if (!url) return new Map();
  try {
    const response = await fetch(url);
    return response.ok ? parseRequestCounts(await response.text()) : new Map();
  } catch {
    return new Map();
  }
}

/** `after - before`, summed into `sum`. */
export function addDifference(sum: RequestCounts, before: RequestCounts, after: RequestCounts): void {
  for (const [key, count] of after) {
    const added = count - (before.get(key) ?? 0);
    if (added > 0) sum.set(key, (sum.get(key) ?? 0) + added);
  }
}

/** The operations asked at least 0.05 times a run, most asked first: `frontend StartWorkflowExecution 1.00 · …`. */
export function requestsPerRun(counts: RequestCounts, runs: number): string {
  return [...counts]
    .filter(([, count]) => count / runs >= 0.05)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, count]) => `${key} ${(count / runs).toFixed(2)}`)
    .join(' · ');
}
