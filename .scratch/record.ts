import { RunStore } from '../src/db/runStore';
import { benchDatabase } from '../bench/support';
import { seedDagAccount, DAG_TEXT } from '../bench/dag';
import { planRun } from '../src/domain/planner';
import { randomUUID } from 'node:crypto';

const database = await benchDatabase();
await seedDagAccount(database.db);
const store = new RunStore(database.db);
const account = await database.db.account.findFirstOrThrow();
const wf = await database.db.workflow.findFirstOrThrow({ where: { slug: 'dag-text' } });
const plan = planRun(DAG_TEXT);
const times: number[] = [];
for (let i = 0; i < 200; i++) {
  const executionId = `ex_${randomUUID()}`;
  await database.db.$transaction((tx) => store.insertExecution(tx, { executionId, accountId: account.id, workflowId: wf.id, triggerType: 'api', plan, inputs: {}, creditsUsed: 0, paidByGrant: false, temporalWorkflowId: executionId, receivedAt: new Date() }));
  const t0 = performance.now();
  await store.recordStep(executionId, {
    changes: [{ kind: 'run', patch: { status: 'running', seq: 1, startedAtMs: Date.now() } }],
    progress: [{ kind: 'attempt', stepId: 'a', attempt: 1, at: new Date().toISOString() }, { kind: 'streaming', stepId: 'a', attempt: 1 }, { kind: 'tokens', stepId: 'a', attempt: 1, offset: 0, text: 'hello world' }],
    completed: { stepId: 'a', status: 'completed', output: { text: 'hello world' }, attempts: 1, finishedAtMs: Date.now() },
  });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`recordStep p50 ${times[100]!.toFixed(1)} ms p90 ${times[180]!.toFixed(1)} ms`);
await database.drop();
