// A retried submit (a new activity attempt after a worker died) resumes the vendor job the first
// attempt started: the job id is recorded in Postgres the moment the vendor accepts it.
import assert from 'node:assert/strict';
import { FalProvider } from '../../src/providers/fal';
import { dbJobRecords, recordedJobs } from '../../src/providers/recordedJobs';
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
