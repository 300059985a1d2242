// Run inputs from the command line: `--input key=value` pairs over an `--inputs-file`.
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors';

/** Parses `--input k=v` pairs; values that read as JSON (numbers, booleans, objects) are parsed. */
export function inputsFromPairs(pairs: readonly string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input takes key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    if (/^(?:-?\d+(?:\.\d+)?|true|false|null|\{.*\}|\[.*\])$/s.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    inputs[pair.slice(0, eq)] = value;
  }
  return inputs;
}

/** The inputs of a run: the file's object, overridden by the pairs. */
export async function readInputs(options: { input?: string[]; inputsFile?: string }): Promise<Record<string, unknown>> {
  const fromFile = options.inputsFile ? await readJsonFile(options.inputsFile, '--inputs-file') : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new UsageError(`--inputs-file ${options.inputsFile} must hold a JSON object`);
  return { ...(fromFile as Record<string, unknown>), ...inputsFromPairs(options.input ?? []) };
}

/** A JSON file's content; a missing or malformed file is a usage error naming it. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
