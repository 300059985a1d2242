// Builds the run viewer (web/) into web/dist with Vite. `--if-stale` (npm start, npm test) builds
// only when web/dist is missing or older than a source file, so a fresh clone needs no extra step
// and a warm one starts at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const web = path.resolve(import.meta.dirname, '..', 'web');
const built = path.join(web, 'dist', 'index.html');

/** Newest modification time of the viewer's sources and build inputs. */
function newestSource(dir = web) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(built) && statSync(built).mtimeMs >= newestSource()) process.exit(0);

console.log('[build-web] building the run viewer (web/ → web/dist)…');
const result = spawnSync('npx', ['--no-install', 'vite', 'build', '--config', path.join(web, 'vite.config.ts')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
