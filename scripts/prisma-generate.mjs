// Runs `prisma generate` offline. Prisma's CLI insists on locating its native schema engine
// before any command, but `generate` never runs it (it uses the bundled WASM), so any existing
// file will do when none is configured.
import { spawnSync } from 'node:child_process';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
