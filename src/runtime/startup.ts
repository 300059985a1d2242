// How entry points fail: one readable line saying what went wrong and what to do, not a stack
// trace (set DEBUG=1 for the stack).
import { ConfigError } from '../config';

/** A readable explanation of a startup failure. */
export function explainStartupError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    const { address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number };
    return `Port ${port} on ${address} is already in use. Stop what uses it, or choose another port: PORT=${(port ?? 3000) + 1} npm start`;
  }
  if (code === 'ECONNREFUSED') {
    return `Could not connect: ${(err as Error).message}. Check DATABASE_URL / TEMPORAL_ADDRESS, or unset them to run embedded services.`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Runs an entry point; on failure prints the explanation and exits 1. */
export async function runEntryPoint(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    console.error(`[${name}] could not start: ${explainStartupError(err)}`);
    if (process.env.DEBUG) console.error(err);
    process.exit(1);
  }
}
