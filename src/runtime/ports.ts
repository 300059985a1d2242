// Loopback ports for the services `npm start` runs itself: a configured port must be free (else a
// clear error naming the variable), an unconfigured one takes the usual default when free.
import { ConfigError } from '../config';
import { freeLoopbackPort, portIsFree } from '../net/ports';

export { freeLoopbackPort, portIsFree };

/** The first port after `taken` that is free now (the OS's pick when none of the next 100 is), so a suggested port is not itself taken. */
export async function nextFreePort(taken: number): Promise<number> {
  for (let port = taken + 1; port <= Math.min(taken + 100, 65535); port++) {
    if (await portIsFree(port)) return port;
  }
  return freeLoopbackPort();
}

/**
 * The port to use for a local service: `configured` (variable `name`) when set, failing when it is
 * taken; otherwise `preferred` when free; otherwise undefined (the service picks a free one).
 */
export async function choosePort(name: string, configured: number | undefined, preferred?: number): Promise<number | undefined> {
  if (configured !== undefined) {
    if (!(await portIsFree(configured))) {
      const suggestion = await nextFreePort(configured);
      throw new ConfigError(`${name}=${configured}: port ${configured} on 127.0.0.1 is already in use. Stop what uses it, or choose another: ${name}=${suggestion} npm start`);
    }
    return configured;
  }
  if (preferred !== undefined && (await portIsFree(preferred))) return preferred;
  return undefined;
}
