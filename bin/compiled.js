// Whether a compiled target of scripts/build.mjs (dist/cli, dist/server) is fresh: it has the
// named entry points and was built after every source it was built from was last changed. The
// sources are listed in its inputs.json, relative to the target's folder.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** True when `outdir` holds `<entry>.js` for every entry and no source changed since it was built. */
export function isFresh(outdir, entries) {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(path.join(outdir, 'inputs.json'), 'utf8'));
    if (typeof builtAt !== 'number' || !Array.isArray(inputs)) return false;
    if (!entries.every((entry) => existsSync(path.join(outdir, `${entry}.js`)))) return false;
    return inputs.every((input) => statSync(path.resolve(outdir, input)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}
