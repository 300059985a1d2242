// `npm run bench -- fairness`: does one account's backlog hold another account's run back? A worker
// with few slots (8 activities, sandbox steps of 100 ms) gets 200 runs from account A, then one
// run from account B; prints B's time from admission to its end, next to B alone, on a dev server
// without fairness (FIFO dispatch) and with Temporal's fairness keys on (`matching.useNewMatcher`,
// `matching.enableFairness`; each run carries its account as fairness key, src/services/runPriority.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../src/api/app';
import type { Db } from '../src/db/client';
import { createProviderRegistry } from '../src/providers/registry';
import { SandboxProvider } from '../src/providers/sandbox';
import { bundleWorkflows, createRunWorker } from '../src/runtime/worker';
import { Admissions } from '../src/services/admission';
import { generateApiKey } from '../src/services/apiKeys';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../temporal/devServer';
import { benchDatabase, benchMedia, benchTemporal, envInt, log, ms } from './support';

const BACKLOG = envInt('FAIRNESS_BACKLOG', 200);
const FAIRNESS_KEYS = new Set(['matching.useNewMatcher', 'matching.enableFairness']);
/** Our dev server tuning with fairness on (as `npm start` has it) or off. */
const tuning = (fairness: boolean) =>
  Object.entries(DEV_SERVER_DYNAMIC_CONFIG)
    .filter(([key]) => fairness || !FAIRNESS_KEYS.has(key))
    .flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);

const GRAPH = {
  nodes: [
    { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'draft', type: 'text-generation', config: { prompt: 'Draft about {{topic}}' } },
    { id: 'polish', type: 'text-generation', config: { prompt: 'Polish {{text}}' } },
    { id: 'output', type: 'response-output', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'draft', targetPort: 'topic' },
    { source: 'draft', sourcePort: 'text', target: 'polish', targetPort: 'text' },
    { source: 'polish', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};

async function account(db: Db, name: string) {
  const id = `acct_${name}_${randomUUID().slice(0, 8)}`;
  await db.account.create({ data: { id, name, tier: 'enterprise', approved: true, creditBalance: 1_000_000, webhookSecret: `whsec_${randomBytes(12).toString('hex')}` } });
  const key = generateApiKey();
  await db.apiKey.create({ data: { id: `key_${randomUUID()}`, accountId: id, prefix: key.prefix, hash: key.hash, capabilities: ['workflow:run'] } });
  const slug = `fair-${name}-${randomBytes(3).toString('hex')}`;
  await db.workflow.create({ data: { id: `wf_${randomUUID()}`, accountId: id, slug, name: slug, canvasId: `cnv_${randomUUID()}`, graph: GRAPH } });
  return { key: key.secret, slug };
}

async function phase(label: string, extraArgs: string[]): Promise<{ alone: number; behind: number; backlog: number }> {
  const temporal = await benchTemporal({ extraArgs, label });
  const database = await benchDatabase();
  const { db } = database;
  const taskQueue = `fair-${randomUUID()}`;
  const providers = createProviderRegistry({ sandbox: new SandboxProvider({ delayMs: 100, tokenDelayMs: 0 }), http: { allowPrivateNetworks: true } });
  const worker = await createRunWorker({
    connection: temporal.native,
    namespace: temporal.namespace,
    taskQueue,
    bundle: await bundleWorkflows(),
    deps: { db, providers, media: benchMedia(db), warn: () => undefined },
    maxConcurrentActivities: 8,
    maxConcurrentWorkflowTasks: 8,
  });
  const admissions = new Admissions({ db, temporal: temporal.client, taskQueue, markup: 1, runTimeoutMs: 600_000 });
  const app = createApp({ db, temporal: temporal.client, admissions, config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: taskQueue }, log: { error: console.error, info: () => undefined } });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const running = worker.run();
  const start = async (who: { key: string; slug: string }) => {
    const response = await fetch(`${apiUrl}/api/workflows/${who.slug}/run?async=true`, {
      method: 'POST',
      headers: { 'x-api-key': who.key, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic: 'fair' } }),
    });
    const body = (await response.json()) as { executionId?: string };
    if (!body.executionId) throw new Error(`admission failed: ${response.status} ${JSON.stringify(body)}`);
    return { id: body.executionId, at: performance.now() };
  };
  const until = async (ids: string[]) => {
    for (;;) {
      const done = await db.execution.count({ where: { id: { in: ids }, status: { in: ['completed', 'error', 'cancelled'] } } });
      if (done === ids.length) return performance.now();
      await sleep(20);
    }
  };
  try {
    const a = await account(db, 'a');
    const b = await account(db, 'b');
    const warm = await start(b);
    await until([warm.id]);
    const soloRun = await start(b);
    const alone = (await until([soloRun.id])) - soloRun.at;
    const backlogStart = performance.now();
    const backlog = await Promise.all(Array.from({ length: BACKLOG }, () => start(a)));
    const single = await start(b);
    const behind = (await until([single.id])) - single.at;
    const drained = (await until(backlog.map((run) => run.id))) - backlogStart;
    log(`${label}: B alone ${ms(alone)}; B behind ${BACKLOG} runs of A ${ms(behind)}; A's backlog done in ${ms(drained)}`);
    return { alone, behind, backlog: drained };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    worker.shutdown();
    await running.catch(() => undefined);
    await database.drop();
    await temporal.close();
  }
}

/** Runs both phases and prints the figures. */
export async function fairnessBench(): Promise<void> {
  const fifo = await phase('FIFO (no fairness)', tuning(false));
  const fair = await phase('fairness keys on', tuning(true));
  console.table({ fifo, fair });
}
