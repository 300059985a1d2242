// The key media URLs are signed with. MEDIA_URL_SECRET when set; otherwise one random key made
// on first use and kept in Postgres (server_secrets), so API processes (which sign URLs in views)
// and workers (which sign them in result callbacks) of one deployment verify each other's URLs
// with nothing configured.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client';

const NAME = 'media_url_secret';

/** The configured secret, or the deployment's stored one (created once, race-free). */
export async function mediaUrlSecret(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  // Concurrent first starts: one insert wins, everybody reads the winner's value.
  await db.serverSecret.createMany({ data: [{ name: NAME, value: randomBytes(32).toString('base64url') }], skipDuplicates: true });
  const row = await db.serverSecret.findUniqueOrThrow({ where: { name: NAME } });
  return row.value;
}
