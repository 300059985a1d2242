import { randomUUID } from 'node:crypto';
import { benchDatabase, benchEngine, benchTemporal, createBareWorker } from '../bench/support';
import { seedDagAccount } from '../bench/dag';
import { temporalWorkflowIdOf } from '../src/domain/workflowIds';

const temporal = await benchTemporal();
const database = await benchDatabase();
const engine = await benchEngine(temporal, database.db, database.url);
const { apiKey } = await seedDagAccount(database.db);
const bareQueue = `${engine.taskQueue}-bare`;
const bareWorker = await createBareWorker(temporal, bareQueue, { noop: async (step: string) => step }, { maxCachedWorkflows: 1000 });
function show(label: string, events: any[], t0: number) {
  const rows = events.map((e) => {
    const t = Number(e.eventTime.seconds) * 1000 + Math.round(e.eventTime.nanos / 1e6);
    const type = Object.keys(e).find((k) => k.endsWith('Attributes'))!.replace('EventAttributes', '');
    const extra = e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.markerRecordedEventAttributes?.markerName ?? '';
    return `${String(t - t0).padStart(5)} ms  ${type} ${extra}`;
  });
  console.log(`--- ${label}\n${rows.join('\n')}`);
}
await bareWorker.runUntil(async () => {
  for (let i = 0; i < 8; i++) {
    const id = `bare-${randomUUID()}`;
    const s0 = Date.now();
    await temporal.client.workflow.execute('bareDag', { taskQueue: bareQueue, workflowId: id, args: [false] });
    const s1 = Date.now();
    const t0 = performance.now();
    const response = await fetch(`${engine.apiUrl}/api/workflows/dag-text/run`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { topic: randomUUID() } }) });
    const body = (await response.json()) as { executionId: string };
    const total = performance.now() - t0;
    if (i < 6) continue;
    const bh = await temporal.client.workflow.getHandle(id).fetchHistory();
    const bt0 = Number(bh.events![0]!.eventTime!.seconds) * 1000 + Math.round(bh.events![0]!.eventTime!.nanos! / 1e6);
    show(`bare (client ${s1 - s0} ms)`, bh.events!, bt0);
    const h = await temporal.client.workflow.getHandle(temporalWorkflowIdOf('dag-text', body.executionId)).fetchHistory();
    const ht0 = Number(h.events![0]!.eventTime!.seconds) * 1000 + Math.round(h.events![0]!.eventTime!.nanos! / 1e6);
    const ex = await database.db.execution.findUniqueOrThrow({ where: { id: body.executionId } });
    show(`ours (HTTP ${total.toFixed(0)} ms; received→start ${ht0 - ex.receivedAt.getTime()} ms; finished row at ${ex.finishedAt!.getTime() - ht0} ms)`, h.events!, ht0);
  }
});
await engine.close(); await database.drop(); await temporal.close();
