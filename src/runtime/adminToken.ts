// The admin token of a local `npm start`: made up once, kept in the data folder (mode 600) and
// reused at every start, so a token pasted into a shell or a CLI config keeps working. ADMIN_TOKEN
// in the environment still wins.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the local admin token lives under the data folder. */
export function adminTokenFile(dataDir: string): string {
  return path.resolve(dataDir, 'admin-token');
}

/** The token kept in `dataDir`, created (mode 600) when there is none yet. */
export async function localAdminToken(dataDir: string): Promise<{ token: string; file: string; created: boolean }> {
  const file = adminTokenFile(dataDir);
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (/^adm_[\w-]{16,}$/.test(saved)) {
    await chmod(file, 0o600).catch(() => undefined);
    return { token: saved, file, created: false };
  }
  const token = `adm_${randomBytes(18).toString('base64url')}`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, file, created: true };
}
