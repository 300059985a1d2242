// Seeds the demo account, key and workflows for `npm start`. Idempotent across restarts: the demo
// key's secret is kept in the data folder (only its hash is in the database).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/client';
import { generateApiKey, hashApiKey } from '../services/apiKeys';
import { PARALLEL_MEDIA, TEXT_CHAIN } from './workflows';

/** What `npm start` prints. */
export interface DemoSeed {
  accountId: string;
  apiKey: string;
  slugs: string[];
}

const ACCOUNT_ID = 'acct_demo';

/** Creates (or finds) the demo account, key and workflows. */
export async function seedDemo(db: Db, dataDir: string): Promise<DemoSeed> {
  await db.account.upsert({
    where: { id: ACCOUNT_ID },
    create: {
      id: ACCOUNT_ID,
      name: 'Demo account (sandbox)',
      tier: 'business',
      approved: true,
      creditBalance: 100_000,
      webhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
    },
    update: {},
  });
  const workflows = [
    { slug: 'demo-text-chain', name: 'Demo: text chain', canvasId: 'cnv_demo_text_chain', graph: TEXT_CHAIN },
    { slug: 'demo-parallel-media', name: 'Demo: parallel branches with an image', canvasId: 'cnv_demo_parallel_media', graph: PARALLEL_MEDIA },
  ];
  for (const workflow of workflows) {
    await db.workflow.upsert({
      where: { accountId_slug: { accountId: ACCOUNT_ID, slug: workflow.slug } },
      create: { id: `wf_${workflow.canvasId}`, accountId: ACCOUNT_ID, ...workflow, graph: workflow.graph as object },
      update: { graph: workflow.graph as object, name: workflow.name },
    });
  }
  return { accountId: ACCOUNT_ID, apiKey: await demoKey(db, dataDir), slugs: workflows.map((w) => w.slug) };
}

async function demoKey(db: Db, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'demo-api-key');
  const saved = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  if (saved && (await db.apiKey.findUnique({ where: { hash: hashApiKey(saved) } }))?.active) return saved;
  const key = generateApiKey();
  await db.apiKey.create({
    data: { id: `key_demo_${key.prefix.slice(4)}`, accountId: ACCOUNT_ID, name: 'demo', prefix: key.prefix, hash: key.hash, capabilities: ['workflow:run'] },
  });
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, key.secret + '\n', { mode: 0o600 });
  return key.secret;
}
