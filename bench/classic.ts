// Admission and demo-run figures: async admission latency (sequential and paced at a request
// rate), sync runs of demo-parallel-media against a bare workflow with the same activities, and
// throughput at 16 concurrent.
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createStepActivities } from '../src/activities/steps';
import { ProgressOutbox } from '../src/activities/progressOutbox';
import type { StepProgress } from '../src/activities/stepProgress';
import { seedDemo } from '../src/demo/seed';
import { PARALLEL_MEDIA } from '../src/demo/workflows';
import { planRun } from '../src/domain/planner';
import { createProviderRegistry } from '../src/providers/registry';
import { SandboxProvider } from '../src/providers/sandbox';
import { benchDatabase, benchEngine, benchMedia, benchProcesses, benchTemporal, createBareWorker, envInt, loaded, log, percentile, solo, timed } from './support';
import { temporalWorkflowIdOf } from '../src/domain/workflowIds';
import { cpuMeter, cpuPerRun } from './cpu';

/** Sets the nice value of every thread of a process (setpriority on Linux applies to one thread). */
function reniceThreads(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // A thread that ended meanwhile.
    }
  }
}

const fixed = (value: number) => `${value.toFixed(1)} ms`;

/** Runs the admission and demo-run benchmark and prints its figures. */
export async function classicBench(): Promise<void> {
  const admissionsCount = envInt('BENCH_ADMISSIONS', 200);
  const paced = envInt('BENCH_PACED_ADMISSIONS', 300);
  const rate = envInt('BENCH_ADMISSION_RATE', 100);
  const syncRuns = envInt('BENCH_SYNC_RUNS', 30);
  const concurrentRuns = envInt('BENCH_CONCURRENT_RUNS', 160);
  const concurrency = 16;

  const temporal = await benchTemporal();
  const database = await benchDatabase();
  // As users run it: the API (`npm run server`) and the worker (`npm run worker`) in their own
  // processes, the bench only sending requests (BENCH_ENGINE=inprocess: both in this process).
  const inProcess = process.env.BENCH_ENGINE === 'inprocess';
  const engine = inProcess ? await benchEngine(temporal, database.db, database.url) : await benchProcesses(temporal, database.url);
  const demo = await seedDemo(database.db, `/tmp/bench-${randomUUID()}`);
  // The demo account is business tier (1,000 requests a minute); the benchmark is not about limits.
  await database.db.account.update({ where: { id: demo.accountId }, data: { tier: 'enterprise', creditBalance: 1_000_000_000 } });

  // Baseline: same activities, no progress writes, no mirror, no API.
  const noProgress = {
    open: (_executionId: string, stepId: string, attempt: number) => new ProgressOutbox(stepId, attempt, async () => undefined, () => undefined, () => undefined),
    attemptStarted: async () => undefined,
  } as unknown as StepProgress;
  const providers = createProviderRegistry({ sandbox: new SandboxProvider({ tokenDelayMs: 0 }), http: { allowPrivateNetworks: true } });
  const bareQueue = `${engine.taskQueue}-bare`;
  const bareWorker = await createBareWorker(temporal, bareQueue, createStepActivities({ providers, progress: noProgress, media: benchMedia(database.db) }));

  const post = (query = '') =>
    fetch(`${engine.apiUrl}/api/workflows/demo-parallel-media/run${query}`, {
      method: 'POST',
      headers: { 'x-api-key': demo.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { product: `kettle ${randomUUID()}` } }),
    }).then(async (response) => {
      const body = await response.json();
      if (response.status >= 300) throw new Error(`${response.status} ${JSON.stringify(body)}`);
      return body as { executionId: string };
    });
  const plan = planRun(PARALLEL_MEDIA);
  // The bare runs store their images like ours, linked to an execution (a foreign key): give their
  // ids (b0, b1, …) rows to link to.
  const demoWorkflow = await database.db.workflow.findFirstOrThrow({ where: { accountId: demo.accountId, slug: 'demo-parallel-media' } });
  await database.db.execution.createMany({
    data: Array.from({ length: Math.max(5, syncRuns) }, (_, i) => ({
      id: `b${i}`,
      accountId: demo.accountId,
      workflowId: demoWorkflow.id,
      triggerType: 'api' as const,
      targetNodeId: plan.targetNodeId,
      inputs: {},
      plan: {},
      temporalWorkflowId: `bare-b${i}`,
      receivedAt: new Date(),
    })),
  });
  const bareRun = (i: number) =>
    temporal.client.workflow.execute('bareRun', { taskQueue: bareQueue, workflowId: `bare-${randomUUID()}`, args: [`b${i}`, plan, { product: `kettle ${i}`, tone: 'playful' }] });

  try {
    await bareWorker.runUntil(async () => {
      await solo(5, async (i) => Promise.all([post(), bareRun(i)]));

      log(`async admission: ${admissionsCount} sequential POST ?async=true`);
      const admitted: string[] = [];
      const admissionTimes = await solo(admissionsCount, async () => admitted.push((await post('?async=true')).executionId));
      await Promise.all(admitted.splice(0).map((id) => temporal.client.workflow.getHandle(temporalWorkflowIdOf('demo-parallel-media', id)).result()));

      // Paced admissions: each one's latency, and the CPU each process spends per admission.
      const pacedAdmissions = async () => {
        const meter = cpuMeter([
          { name: 'temporal', comm: 'temporal' },
          { name: 'postgres', comm: 'postgres' },
          ...('apiPid' in engine ? [{ name: 'api', pid: engine.apiPid }, { name: 'worker', pid: engine.workerPid }] : []),
          { name: 'bench', pid: process.pid },
        ]);
        const times: number[] = [];
        const failures = new Map<string, number>();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: paced }, async (_, i) => {
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (i * 1000) / rate - performance.now())));
            try {
              const [elapsed, body] = await timed(() => post('?async=true'));
              times.push(elapsed);
              admitted.push(body.executionId);
            } catch (err) {
              const reason = (err instanceof Error ? err.message : String(err)).slice(0, 40);
              failures.set(reason, (failures.get(reason) ?? 0) + 1);
            }
          }),
        );
        const cpu = cpuPerRun(meter.stop(), paced).replace('per run', 'per admission');
        const refused = [...failures].map(([reason, n]) => `${n} × ${reason}…`).join(', ') || 'none';
        return { times, refused, cpu };
      };

      log(`async admission: ${paced} POST ?async=true at ${rate}/s`);
      const running = await pacedAdmissions();
      await Promise.all(admitted.splice(0).map((id) => temporal.client.workflow.getHandle(temporalWorkflowIdOf('demo-parallel-media', id)).result()));

      // The same stream with the worker paused (SIGSTOP): what admission alone costs, the admitted
      // runs waiting in Temporal's task queue until the worker resumes. Separate processes only.
      let alone: Awaited<ReturnType<typeof pacedAdmissions>> | undefined;
      if ('workerPid' in engine) {
        log(`async admission: ${paced} POST ?async=true at ${rate}/s, worker paused`);
        process.kill(engine.workerPid, 'SIGSTOP');
        try {
          alone = await pacedAdmissions();
        } finally {
          process.kill(engine.workerPid, 'SIGCONT');
        }
        await Promise.all(admitted.splice(0).map((id) => temporal.client.workflow.getHandle(temporalWorkflowIdOf('demo-parallel-media', id)).result()));
      }

      // The same stream with the runs executing, the worker at a lower CPU priority (every thread at
      // nice 10): how an operator who runs API and worker on one machine keeps admission quick while
      // the admitted runs wait their turn in Temporal's task queue (Linux only).
      let niced: Awaited<ReturnType<typeof pacedAdmissions>> | undefined;
      if ('workerPid' in engine && process.platform === 'linux') {
        log(`async admission: ${paced} POST ?async=true at ${rate}/s, worker at nice 10`);
        reniceThreads(engine.workerPid, 10);
        try {
          niced = await pacedAdmissions();
        } finally {
          reniceThreads(engine.workerPid, 0);
        }
        await Promise.all(admitted.splice(0).map((id) => temporal.client.workflow.getHandle(temporalWorkflowIdOf('demo-parallel-media', id)).result()));
      }

      log(`sync runs: ${syncRuns} sequential, API vs bare workflow`);
      const syncTimes = await solo(syncRuns, () => post());
      const bareTimes = await solo(syncRuns, bareRun);

      log(`throughput: ${concurrentRuns} sync runs, ${concurrency} at a time`);
      const load = await loaded(concurrentRuns, concurrency, () => post());

      const syncP50 = percentile(syncTimes, 50);
      const bareP50 = percentile(bareTimes, 50);
      console.log(`
Benchmark (demo-parallel-media: 3 parallel provider steps + 3 inline steps, sandbox with no token delay)
Server: ${temporal.label}; ours: ${inProcess ? 'API and worker in the bench process' : 'npm run server + npm run worker, separate processes'}
  async admission, sequential  p50 ${fixed(percentile(admissionTimes, 50))}   p99 ${fixed(percentile(admissionTimes, 99))}   (n=${admissionsCount})
  async admission at ${rate}/s   p50 ${fixed(percentile(running.times, 50))}   p99 ${fixed(percentile(running.times, 99))}   (n=${paced}, admitted ${running.times.length}; refused: ${running.refused})
                               ${running.cpu}${alone ? `
  … with the worker paused     p50 ${fixed(percentile(alone.times, 50))}   p99 ${fixed(percentile(alone.times, 99))}   (n=${paced}, admitted ${alone.times.length}; refused: ${alone.refused})
                               ${alone.cpu}` : ''}${niced ? `
  … with the worker at nice 10 p50 ${fixed(percentile(niced.times, 50))}   p99 ${fixed(percentile(niced.times, 99))}   (n=${paced}, admitted ${niced.times.length}; refused: ${niced.refused})
                               ${niced.cpu}` : ''}
  sync run via API             p50 ${fixed(syncP50)}   p99 ${fixed(percentile(syncTimes, 99))}   (n=${syncRuns})
  bare Temporal workflow       p50 ${fixed(bareP50)}   p99 ${fixed(percentile(bareTimes, 99))}   (n=${syncRuns}, same activities, no mirror, no API)
  ratio sync / bare            ${(syncP50 / bareP50).toFixed(2)}×
  throughput                   ${(concurrentRuns / (load.elapsedMs / 1000)).toFixed(1)} runs/s at ${concurrency} concurrent (${concurrentRuns} runs in ${fixed(load.elapsedMs)})
`);
    });
  } finally {
    await engine.close();
    await database.drop();
    await temporal.close();
  }
}
