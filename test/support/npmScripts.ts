// The commands of package.json's scripts, for tests that start a process exactly as `npm run <name>`
// would, without npm in between (so the child's pid is the service's own).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * The node arguments and environment of a script of the form `[VAR=value …] node <args…>`; throws
 * for any other form, so a script that changes shape fails its tests instead of being run differently.
 */
export function nodeScript(name: string): { args: string[]; env: Record<string, string> } {
  const script = scripts[name];
  if (!script) throw new Error(`package.json has no "${name}" script`);
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const [variable, ...value] = words.shift()!.split('=');
    env[variable!] = value.join('=');
  }
  if (words.shift() !== 'node' || words.some((word) => /["'`$&|;<>]/.test(word))) {
    throw new Error(`the "${name}" script is not a plain \`[VAR=value …] node <args…>\` command: ${script}`);
  }
  return { args: words, env };
}

/**
 * Starts `npm run <name>`'s node command as a child of this process (its pid is the service's),
 * with the script's environment, then `env` on top; stdout and stderr are piped. `nodeArgs` go
 * before the script's (a bench's `--cpu-prof`).
 */
export function spawnNodeScript(name: string, env: NodeJS.ProcessEnv, { nodeArgs = [], ...options }: { cwd?: string; nodeArgs?: string[] } = {}): ChildProcess {
  const command = nodeScript(name);
  return spawn(process.execPath, [...nodeArgs, ...command.args], { ...options, env: { ...process.env, ...command.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
