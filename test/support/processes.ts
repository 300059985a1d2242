// Our own services as child processes, started as `npm run <script>` starts them (see npmScripts.ts):
// for tests that deploy, kill and replace API and worker processes.
import type { ChildProcess } from 'node:child_process';
import { spawnNodeScript } from './npmScripts';

/** A child process of ours, with the address it printed once ready. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  ready: Promise<string>;
}

/**
 * Starts `npm run <script>`'s node command (from `cwd`, default this checkout) and resolves `ready`
 * with the first match of `readyLine` in its output (its first group, else the whole match).
 */
export function startProcess(script: 'server' | 'worker' | 'start', env: NodeJS.ProcessEnv, readyLine: RegExp, options: { cwd?: string; nodeArgs?: string[] } = {}): Proc {
  const child = spawnNodeScript(script, env, options);
  let text = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-200_000);
      const match = readyLine.exec(text);
      if (match) resolve(match[1] ?? match[0]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run ${script} exited with ${code}:\n${text}`)));
  });
  ready.catch(() => undefined);
  return { child, output: () => text, ready };
}

/** Stops a child (SIGTERM, SIGKILL after 15 s, or `signal`) and waits for it to exit. */
export async function stopProcess(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill(signal);
  const forced = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(forced);
}
