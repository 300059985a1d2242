// Finds or builds Temporal's own server (`go.temporal.io/server/cmd/server`) and its SQL schema
// tool (`cmd/tools/sql`) for a production-style cluster on this machine: the release the CLI's
// dev server embeds, built from the Go module proxy into the per-user cache, with the module's
// Postgres schema files copied beside them.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { builderCacheDir, findGo, goInstallIntoCache, isExecutable, runCommand } from './goBuild';

/** The server release embedded by Temporal CLI v1.5.1 (its go.mod requires go.temporal.io/server v1.29.1). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

const MODULE = 'go.temporal.io/server';

/** The built programs and schema files of one server release. */
export interface TemporalServerBuild {
  /** `temporal-server` (cmd/server). */
  server: string;
  /** `temporal-sql-tool` (cmd/tools/sql). */
  sqlTool: string;
  /** `schema/postgresql/v12` of the server module: `temporal/` and `visibility/` with `versioned/` steps. */
  postgresSchemaDir: string;
  version: string;
}

/** Folder of the cached build: `${XDG_CACHE_HOME:-~/.cache}/builder-studio/temporal-server/<version>`. */
export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env, version = TEMPORAL_SERVER_VERSION): string {
  return builderCacheDir(env, 'temporal-server', version);
}

/** Thrown when the server cannot be found or built. */
export class TemporalServerUnavailableError extends Error {
  override readonly name = 'TemporalServerUnavailableError';
}

/**
 * The cached server build, built first when missing (minutes, once per machine; needs Go and the
 * Go module proxy). `build: false` only looks.
 */
export async function locateTemporalServer(
  log: (msg: string) => void = () => undefined,
  options: { build?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<TemporalServerBuild> {
  const env = options.env ?? process.env;
  const cacheDir = temporalServerCacheDir(env);
  const found: TemporalServerBuild = {
    server: path.join(cacheDir, 'temporal-server'),
    sqlTool: path.join(cacheDir, 'temporal-sql-tool'),
    postgresSchemaDir: path.join(cacheDir, 'schema', 'postgresql', 'v12'),
    version: TEMPORAL_SERVER_VERSION,
  };
  if ((await isExecutable(found.server)) && (await isExecutable(found.sqlTool))) return found;
  if (options.build === false) throw new TemporalServerUnavailableError(`No Temporal server build in ${cacheDir}; run \`npm run temporal:cluster -- build\`.`);
  const go = await findGo(env);
  if (!go) throw new TemporalServerUnavailableError(`No Temporal server build in ${cacheDir} and Go is not installed to build it.`);
  await goInstallIntoCache({
    go,
    cacheDir,
    version: TEMPORAL_SERVER_VERSION,
    programs: [
      { pkg: `${MODULE}/cmd/server`, installedName: 'server', name: 'temporal-server' },
      { pkg: `${MODULE}/cmd/tools/sql`, installedName: 'sql', name: 'temporal-sql-tool' },
    ],
    what: 'the Temporal server',
    log,
    env,
    // The schema files ship in the module, which `go install` just put in the module cache.
    after: async (goEnv) => {
      const info = JSON.parse(await runCommand(go, ['mod', 'download', '-json', `${MODULE}@${TEMPORAL_SERVER_VERSION}`], { env: goEnv })) as { Dir: string };
      await cp(path.join(info.Dir, 'schema', 'postgresql'), path.join(cacheDir, 'schema', 'postgresql'), { recursive: true });
    },
  });
  return found;
}
