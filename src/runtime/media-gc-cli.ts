// `npm run media:gc [-- --dry-run]`: removes media no execution references (after a grace period)
// and offloaded Temporal payloads past their retention, from the store MEDIA_STORE_URL names.
// Run it on a schedule (e.g. daily) against the production DATABASE_URL.
import { loadConfig } from '../config';
import { createPrisma } from '../db/client';
import { collectMediaGarbage } from '../media/gc';
import { openMediaStores } from '../media/stores';

const dryRun = process.argv.includes('--dry-run');
const config = loadConfig();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/builder npm run media:gc');
  process.exit(1);
}
const db = createPrisma(config.DATABASE_URL);
try {
  const stores = await openMediaStores(config);
  const report = await collectMediaGarbage({
    db,
    media: stores.media,
    payloads: stores.payloads,
    graceMs: config.MEDIA_GC_GRACE_MINUTES * 60_000,
    payloadRetentionMs: config.PAYLOAD_RETENTION_DAYS * 86_400_000,
    dryRun,
  });
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
  console.log(
    `${dryRun ? '[dry run] would remove' : 'Removed'} from ${stores.location}: ${report.mediaRows} media row(s), ` +
      `${report.mediaBlobs} media blob(s) (${mb(report.mediaBytes)}), ${report.payloadBlobs} offloaded payload(s) (${mb(report.payloadBytes)}), ` +
      `${report.temporaryFiles} leftover temporary file(s).`,
  );
} catch (err) {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
