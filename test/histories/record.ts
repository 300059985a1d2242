// `npm run histories:record`: runs every workflow shape (test/histories/shapes.ts) through the real
// API and worker against a local Temporal dev server and Postgres, and saves each run's Temporal
// history under test/histories/<release>/ (release = the worker build id: package version + git
// commit, or WORKER_BUILD_ID). Record from a clean checkout of the release, before changing
// workflow code, and commit the folder; the replay test replays every recorded release.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resolveBuildId, gitCommit } from '../../src/runtime/buildId';
import { startTestApi } from '../support/api';
import { teardownTestDatabases } from '../support/db';
import { startFakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey } from '../support/fixtures';
import { startReceiver } from '../support/receiver';
import { teardownTemporal } from '../support/temporal';
import { SHAPES, startOrigin } from './shapes';
import { HISTORIES_DIR, writeHistory, type ReleaseManifest } from './store';

async function main(): Promise<void> {
  // Naming shapes records only those (for trying a new shape); a release is recorded whole.
  const only = process.argv.slice(2);
  const release = resolveBuildId(process.env.WORKER_BUILD_ID);
  const dir = path.join(HISTORIES_DIR, release);
  console.log(`Recording histories of release ${release} into ${path.relative(process.cwd(), dir)}/`);

  const replicate = await startFakeReplicate();
  // Run by name, as when the histories were recorded.
  replicate.officialModels.add('acme/painter');
  const receiver = await startReceiver();
  const origin = await startOrigin();
  const api = await startTestApi({
    allowPrivateNetworks: true,
    runTimeoutMs: 12_000,
    vendors: { replicate: { apiToken: replicate.token, webhookSecret: replicate.webhookSecret, baseUrl: replicate.baseUrl } },
    vendorDefaults: { replicate: { credits: 10, minTier: 'pro' }, fal: { credits: 9, minTier: 'pro' } },
  });
  const manifest: ReleaseManifest = { release, commit: gitCommit() ?? 'unknown', recordedAt: new Date().toISOString(), histories: [] };
  try {
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000_000 });
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const ctx = { api, accountId: account.id, key, replicate, receiver, originUrl: origin.url };
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const shape of SHAPES.filter((each) => only.length === 0 || only.includes(each.name))) {
      const started = Date.now();
      const runs = await shape.run(ctx);
      for (const [index, { executionId, status }] of runs.entries()) {
        const name = runs.length === 1 ? shape.name : `${shape.name}-${index + 1}`;
        const execution = await api.engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
        const handle = api.engine.client.workflow.getHandle(execution.temporalWorkflowId);
        // The workflow has closed (the row is mirrored before the workflow completes): wait for it.
        await handle.result().catch(() => undefined);
        const history = await handle.fetchHistory();
        assert.ok(history.events?.length, `${name}: empty history`);
        await writeHistory(dir, name, JSON.parse(historyToJSON(history)), async (sha256) => {
          const chunks: Buffer[] = [];
          for await (const chunk of await api.engine.payloadStore.get(sha256)) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks);
        });
        manifest.histories.push({ name, description: shape.description, workflowId: execution.temporalWorkflowId, status });
        console.log(`  ${name}: ${status}, ${history.events!.length} events (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
    await writeFile(path.join(dir, 'index.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`Recorded ${manifest.histories.length} histories.`);
  } finally {
    await api.close();
    await Promise.all([replicate.close(), receiver.close(), origin.close()]);
    await Promise.all([teardownTemporal(), teardownTestDatabases()]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
