// A production-style deployment on one machine: Temporal's own server on Postgres (SQL
// visibility), two API processes and two worker processes started as `npm run server` and
// `npm run worker` would start them. Opt-in (it builds and starts a Temporal server):
// TEST_TEMPORAL_CLUSTER=1; .ci/run sets it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startTemporalCluster, type TemporalCluster } from '../../temporal/cluster';
import { DAG_TEXT } from '../../bench/dag';
import { testDatabase, type TestDatabase } from '../support/db';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { startProcess, stopProcess, type Proc } from '../support/processes';
import { temporalWorkflowIdOf } from '../../src/domain/workflowIds';

const RUNS = 200;

/** A base port with the nine ports above it free too (the cluster's services listen there); below 32768, as the SQL schema keeps membership ports in a smallint. */
async function freePortRange(size: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: size }, (_, i) => base + i);
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
}

const enabled = ['1', 'true', 'yes'].includes(process.env.TEST_TEMPORAL_CLUSTER ?? '');

(enabled ? describe : describe.skip)('a Temporal cluster with two API and two worker processes', function () {
  this.timeout(15 * 60_000);
  let database: TestDatabase;
  let cluster: TemporalCluster;
  const clusterDbs = [`temporal_t_${randomBytes(4).toString('hex')}`];
  clusterDbs.push(`${clusterDbs[0]}_visibility`);
  const procs: Proc[] = [];
  let apiUrls: string[] = [];
  let temporal: Client;

  before(async function () {
    database = await testDatabase();
    const port = await freePortRange(10);
    cluster = await startTemporalCluster({
      postgresUrl: database.url,
      database: clusterDbs[0]!,
      visibilityDatabase: clusterDbs[1]!,
      port,
      log: (message) => console.error(`      [cluster] ${message}`),
    });
    temporal = new Client({ connection: await Connection.connect({ address: cluster.address }), namespace: cluster.namespace });
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TASK_QUEUE: `cluster-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_TOKEN_DELAY_MS: '0',
      // Four processes of 10 plus the Temporal server's 30 stay under Postgres's default
      // max_connections (100) with room for the test itself.
      DATABASE_POOL_MAX: '10',
    };
    const apis = [0, 1].map(() => startProcess('server', env, /\[api\] listening on (http:\/\/\S+)/));
    procs.push(...apis);
    apiUrls = await Promise.all(apis.map((api) => api.ready));
    // Worker-only processes refuse to start without PUBLIC_URL: async providers call back there.
    for (let i = 0; i < 2; i++) procs.push(startProcess('worker', { ...env, PUBLIC_URL: apiUrls[i]! }, /\[worker\] polling/));
    await Promise.all(procs.map((proc) => proc.ready));
  });

  afterEach(function () {
    // A failure's cause is usually in a process's own log.
    if (this.currentTest?.state === 'failed') for (const proc of procs) console.error(`--- ${proc.child.spawnargs.join(' ')} ---\n${proc.output().slice(-3000)}`);
  });

  after(async function () {
    await Promise.all(procs.map((proc) => stopProcess(proc)));
    await temporal?.connection.close();
    await cluster?.stop();
    await database?.drop();
    const admin = new pg.Client({ connectionString: database.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
    await admin.connect();
    for (const name of clusterDbs) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  it(`completes ${RUNS} runs admitted by both APIs and executed by both workers, and mirrors every run and step exactly`, async () => {
    const account = await buildAccount(database.prisma, { tier: 'enterprise', creditBalance: 1_000_000 });
    const key = (await buildApiKey(database.prisma, account.id)).secret;
    const { slug } = await buildWorkflow(database.prisma, account.id, DAG_TEXT);

    // Sync runs, four at a time through both APIs: at most four runs in flight, so a starved
    // machine slows the test down instead of timing out its transactions.
    const ids: string[] = [];
    const results = new Map<string, { output: unknown }>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < RUNS) {
          const i = next++;
          const response = await fetch(`${apiUrls[i % 2]}/api/workflows/${slug}/run`, {
            method: 'POST',
            headers: { 'x-api-key': key, 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: { topic: `run ${i}` } }),
          });
          const body = (await response.json()) as { executionId: string; output: unknown };
          assert.equal(response.status, 200, JSON.stringify(body));
          ids.push(body.executionId);
          results.set(body.executionId, { output: body.output });
        }
      }),
    );
    // Temporal's own record of each run agrees with what the API answered.
    for (const id of ids) {
      const result = (await temporal.workflow.getHandle(temporalWorkflowIdOf(slug, id)).result()) as { status: string; output: unknown };
      assert.equal(result.status, 'completed');
      assert.deepEqual(result.output, results.get(id)!.output);
    }

    // The mirror: exactly one execution row per run and one step row per planned step, all settled as Temporal says.
    const executions = await database.prisma.execution.findMany({ where: { accountId: account.id }, include: { steps: true } });
    assert.equal(executions.length, RUNS);
    for (const execution of executions) {
      const result = results.get(execution.id);
      assert.ok(result, `execution ${execution.id} was admitted by this test`);
      assert.equal(execution.status, 'completed');
      assert.deepEqual(execution.output, result.output);
      assert.deepEqual(execution.steps.map((step) => step.stepId).sort(), ['a', 'b', 'c', 'd', 'input', 'output']);
      for (const step of execution.steps) {
        assert.equal(step.status, 'completed', `${execution.id}/${step.stepId}`);
        assert.ok(step.finishedAt, `${execution.id}/${step.stepId} has an end time`);
      }
    }
    const stepRows = await database.prisma.step.count({ where: { execution: { accountId: account.id } } });
    assert.equal(stepRows, RUNS * 6);

    // Both worker processes took part: activity tasks were started by two worker identities.
    const identities = new Set<string>();
    for (const id of ids.slice(0, 40)) {
      const history = await temporal.workflow.getHandle(temporalWorkflowIdOf(slug, id)).fetchHistory();
      for (const event of history.events ?? []) {
        if (event.activityTaskStartedEventAttributes?.identity) identities.add(event.activityTaskStartedEventAttributes.identity);
      }
    }
    assert.equal(identities.size, 2, `activity workers: ${[...identities].join(', ')}`);

    // SQL visibility serves our search attributes (visibility is written a moment after the run closes).
    const query = `BuilderWorkflowSlug = "${slug}" AND BuilderRunStatus = "completed" AND ExecutionStatus = "Completed"`;
    let listed = 0;
    for (let tries = 0; tries < 60; tries++) {
      listed = (await temporal.workflow.count(query)).count;
      if (listed === RUNS) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(listed, RUNS);
  });
});
