// Where the project's own files are (sources, migrations, the built viewer), found the same way
// from the TypeScript sources (src/…) and from the compiled entry points (dist/server/…): the
// nearest folder above this module that holds a package.json is the project's root.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function rootAbove(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) throw new Error(`No package.json above ${dir}: cannot locate the project's files.`);
  }
}

/** The project's root folder (the one with package.json). */
export const PROJECT_ROOT = rootAbove(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, from its root: `projectPath('prisma', 'migrations')`. */
export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
