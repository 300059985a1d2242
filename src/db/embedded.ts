// The embedded Postgres moved to src/local/postgres.ts (local bootstrapping, apart from the
// production code paths). This keeps `bench/hop.ts`, which takes a free port from here, compiling
// until the bench imports `src/net/ports` itself; nothing else should import this path.
export { freeLoopbackPort as freePort } from '../net/ports';
