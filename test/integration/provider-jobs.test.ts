// A retried submit (a new activity attempt after a worker died) resumes the vendor job the first
// attempt started: the job id is recorded in Postgres the moment the vendor accepts it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ProviderError } from '../../src/providers/errors';
import { FalProvider } from '../../src/providers/fal';
import { dbJobRecords, recordedJobs, type JobRecords, type RecordedJobsOptions } from '../../src/providers/recordedJobs';
import { ReplicateProvider } from '../../src/providers/replicate';
import { testDatabase, type TestDatabase } from '../support/db';
import { startFakeFal, type FakeFal } from '../support/fakeFal';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { jobRequest, pollToEnd } from '../support/jobRequests';

describe('vendor jobs recorded by idempotency key', () => {
  let database: TestDatabase;
  let replicateFake: FakeReplicate;
  let falFake: FakeFal;
  before(async () => {
    [database, replicateFake, falFake] = await Promise.all([testDatabase(), startFakeReplicate(), startFakeFal()]);
  });
  after(async () => Promise.all([database?.drop(), replicateFake?.close(), falFake?.close()]));

  it('a second Replicate submit with the same key creates no second prediction and resumes the first', async () => {
    // Two provider instances: the second stands for a fresh worker process with nothing in memory.
    const first = recordedJobs(new ReplicateProvider({ apiToken: replicateFake.token, baseUrl: replicateFake.baseUrl }), dbJobRecords(database.prisma));
    const second = recordedJobs(new ReplicateProvider({ apiToken: replicateFake.token, baseUrl: replicateFake.baseUrl }), dbJobRecords(database.prisma));
    const request = jobRequest('replicate:acme/painter');
    const before = replicateFake.creates;
    const job = await first.submit(request);
    const resumed = await second.submit({ ...request, attempt: 2 });
    assert.equal(replicateFake.creates - before, 1);
    assert.deepEqual(resumed, job);
    assert.equal((await pollToEnd(second, resumed)).status, 'succeeded');
    const row = await database.prisma.providerJob.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
    assert.deepEqual([row.provider, row.jobId], ['replicate', job.jobId]);
  });

  it('a second fal submit with the same key resumes the queued request, endpoint included', async () => {
    const fal = () => recordedJobs(new FalProvider({ key: falFake.key, baseUrl: falFake.baseUrl, jwksUrl: falFake.jwksUrl }), dbJobRecords(database.prisma));
    const request = jobRequest('fal:fal-ai/flux/dev');
    const before = falFake.submits;
    const job = await fal().submit(request);
    const resumed = await fal().submit({ ...request, attempt: 2 });
    assert.equal(falFake.submits - before, 1);
    assert.deepEqual(resumed, { jobId: job.jobId, data: { endpoint: 'fal-ai/flux/dev' } });
    assert.equal((await pollToEnd(fal(), resumed)).status, 'succeeded');
  });

  it('different keys (another step, another execution) are different jobs', async () => {
    const replicate = recordedJobs(new ReplicateProvider({ apiToken: replicateFake.token, baseUrl: replicateFake.baseUrl }), dbJobRecords(database.prisma));
    const a = await replicate.submit(jobRequest('replicate:acme/painter'));
    const b = await replicate.submit(jobRequest('replicate:acme/painter'));
    assert.notEqual(a.jobId, b.jobId);
  });
});

describe('at most one vendor job per step runs to its end', () => {
  let database: TestDatabase;
  let fake: FakeReplicate;
  const outcomes: string[] = [];
  before(async () => {
    [database, fake] = await Promise.all([testDatabase(), startFakeReplicate()]);
  });
  after(async () => Promise.all([database?.drop(), fake?.close()]));
  beforeEach(() => {
    outcomes.length = 0;
    fake.behave(() => ({ outcome: 'hang' }));
  });

  const provider = (records: JobRecords = dbJobRecords(database.prisma), options: RecordedJobsOptions = {}) =>
    recordedJobs(new ReplicateProvider({ apiToken: fake.token, baseUrl: fake.baseUrl }), records, { ...options, onOutcome: (_vendor, outcome) => outcomes.push(outcome) });
  const stepUrl = () => `http://127.0.0.1:9/api/providers/callbacks/ex_${randomUUID()}/art?token=tok`;
  const running = (id: string) => ['starting', 'processing'].includes(fake.predictions.get(id)!.status);

  it('a retried submit after a lost create answer resumes the prediction that create made (found by the step’s callback URL)', async () => {
    const url = stepUrl();
    const request = jobRequest('replicate:acme/painter', { callbackUrl: `${url}&submit=1`, stepCallbackUrl: url, firstSubmitAt: Date.now() });
    fake.createAnswers.push({ answer: 'lost' });
    const before = fake.creates;
    await assert.rejects(provider().submit(request), (err: unknown) => err instanceof ProviderError && err.type === 'ProviderUnavailable');
    const resumed = await provider().submit({ ...request, attempt: 2, callbackUrl: `${url}&submit=2` });
    assert.equal(fake.creates - before, 1, 'no second prediction');
    assert.equal(fake.predictions.get(resumed.jobId)!.webhook, `${url}&submit=1`);
    assert.deepEqual(outcomes, ['resumed']);
  });

  it('two attempts of one step racing (a zombie and its retry): the job that loses the record is cancelled at the vendor while it runs, and recorded', async () => {
    const request = jobRequest('replicate:acme/painter');
    const [a, b] = await Promise.all([provider().submit(request), provider().submit({ ...request, attempt: 2 })]);
    assert.deepEqual(a, b, 'both attempts answer the recorded job');
    const created = [...fake.predictions.values()].slice(-2).map((p) => p.id);
    const loser = created.find((id) => id !== a.jobId)!;
    assert.ok(fake.cancels.includes(loser), 'the losing prediction was cancelled');
    assert.ok(running(a.jobId), 'the step’s own prediction runs on');
    assert.equal(fake.predictions.get(loser)!.status, 'canceled');
    const orphan = await database.prisma.providerJob.findUniqueOrThrow({ where: { idempotencyKey: `${request.idempotencyKey}#${loser}` } });
    assert.equal((orphan.data as { outcome: string }).outcome, 'orphan_cancelled');
    assert.deepEqual(outcomes.sort(), ['created', 'orphan_cancelled', 'resumed']);
  });

  it('a step cancelled while its create is in flight: the create runs to its answer, that prediction is cancelled at the vendor, the submit rethrows the cancellation', async () => {
    fake.createAnswers.push({ answer: 'slow', delayMs: 600 });
    const controller = new AbortController();
    const request = jobRequest('replicate:acme/painter', { signal: controller.signal });
    const submitting = provider().submit(request);
    setTimeout(() => controller.abort(new Error('step cancelled')), 150);
    await assert.rejects(submitting, /step cancelled/);
    const prediction = [...fake.predictions.values()].at(-1)!;
    assert.ok(fake.cancels.includes(prediction.id), 'cancelled at Replicate');
    assert.equal(prediction.status, 'canceled');
    assert.equal(await database.prisma.providerJob.findUnique({ where: { idempotencyKey: request.idempotencyKey } }), null, 'not recorded as the step’s live job');
    assert.deepEqual(outcomes, ['abandoned_cancelled']);
  });

  it('a provider_jobs insert that keeps failing cancels the new job at the vendor instead of leaving it to a blind resubmit', async () => {
    const real = dbJobRecords(database.prisma);
    let inserts = 0;
    const failing: JobRecords = { ...real, record: async () => ((inserts += 1), Promise.reject(new Error('connection refused'))) };
    const err = await provider(failing, { recordTries: 3 }).submit(jobRequest('replicate:acme/painter')).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ProviderError && err.type === 'ProviderUnavailable', String(err));
    assert.equal(inserts, 3, 'the insert was retried');
    const prediction = [...fake.predictions.values()].at(-1)!;
    assert.equal(prediction.status, 'canceled');
  });

  it('a verified webhook of another job of a waiting step is an orphan: cancelled at the vendor and recorded; the step’s own job is live', async () => {
    const request = jobRequest('replicate:acme/painter');
    const live = await provider().submit(request);
    const other = await new ReplicateProvider({ apiToken: fake.token, baseUrl: fake.baseUrl }).submit(jobRequest('replicate:acme/painter'));
    const judge = provider().judgeCallback!;
    assert.equal(await judge({ idempotencyKey: request.idempotencyKey, job: live, running: true, stepStopped: false }), 'live');
    assert.equal(await judge({ idempotencyKey: request.idempotencyKey, job: other, running: true, stepStopped: false }), 'orphan_cancelled');
    assert.equal(fake.predictions.get(other.jobId)!.status, 'canceled');
    assert.ok(running(live.jobId));
    // The step stopped (its run was cancelled): its own job still running is stopped too.
    assert.equal(await judge({ idempotencyKey: request.idempotencyKey, job: live, running: true, stepStopped: true }), 'abandoned_cancelled');
    assert.equal(fake.predictions.get(live.jobId)!.status, 'canceled');
  });
});
