// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, the way `prisma migrate deploy`
// would, without Prisma's native engine.
import { loadConfig } from '../config';
import { applyMigrations } from '../db/migrate';

const { DATABASE_URL } = loadConfig();
if (!DATABASE_URL) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/builder npm run db:migrate');
  process.exit(1);
}
try {
  const { applied } = await applyMigrations(DATABASE_URL, undefined, { log: (message) => console.log(message) });
  console.log(applied.length > 0 ? `Applied ${applied.length} migration(s).` : 'Database is up to date.');
} catch (err) {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
}
