// Prisma's own reading of prisma/schema.prisma (its DMMF), from the WASM schema parser shipped in
// the `prisma` package: no engine binary and no download needed.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of DMMF fields, models, indexes and enums that the agreement check reads. */
export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}
export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  where?: unknown;
  fields: Array<{ name: string; sortOrder?: 'asc' | 'desc'; length?: number; operatorClass?: string }>;
}
export interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: Array<{ name: string; dbName: string | null }>;
}
/** The part of Prisma's DMMF this check reads. */
export interface Datamodel {
  enums: DmmfEnum[];
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

const SCHEMA_PATH = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

/** Parses a Prisma schema with the WASM parser bundled in the `prisma` package (no engine binary). */
export async function loadDatamodel(schemaPath = SCHEMA_PATH): Promise<Datamodel> {
  const schema = await readFile(schemaPath, 'utf8');
  const dmmf = JSON.parse(await getDmmf(schema)) as { datamodel: Datamodel };
  return dmmf.datamodel;
}

// The project's TypeScript libs (ES2023, @types/node 20) do not describe WebAssembly; Node has it.
interface WasmModule {}
interface WasmTable { grow(delta: number): number; get(index: number): unknown; set(index: number, value: unknown): void }
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<{ exports: unknown }>;
  Module: { imports(module: WasmModule): Array<{ module: string; name: string }> };
};

let parser: Promise<(params: string) => string> | undefined;

/** `get_dmmf` of prisma-schema-wasm: the JSON DMMF of a schema, or a thrown validation error. */
async function getDmmf(schema: string): Promise<string> {
  const getDmmfRaw = await (parser ??= loadParser());
  return getDmmfRaw(JSON.stringify({ prismaSchema: [['schema.prisma', schema]], noColor: true }));
}

/**
 * A minimal wasm-bindgen host for prisma_schema_build_bg.wasm. Its glue code is bundled inside the
 * CLI's cli.js and not exported, but the module needs only four imports; they are matched by name
 * prefix because wasm-bindgen suffixes them with a hash that changes between releases.
 */
async function loadParser(): Promise<(params: string) => string> {
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'prisma_schema_build_bg.wasm');
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  const encoder = new TextEncoder();
  let exports: Record<string, any>;
  const memory = () => new Uint8Array((exports.memory as { buffer: ArrayBuffer }).buffer);
  const text = (ptr: number, len: number) => decoder.decode(memory().subarray(ptr >>> 0, (ptr >>> 0) + len));
  let panic = '';
  const host: Record<string, (...args: any[]) => unknown> = {};
  for (const { name } of WebAssembly.Module.imports(module)) {
    if (name.startsWith('__wbg_set_message')) host[name] = (p: number, l: number) => (panic = text(p, l));
    else if (name.startsWith('__wbg_Error')) host[name] = (p: number, l: number) => new Error(text(p, l));
    else if (name.startsWith('__wbg___wbindgen_throw')) host[name] = (p: number, l: number) => { throw new Error(text(p, l)); };
    else if (name === '__wbindgen_init_externref_table') {
      host[name] = () => {
        const table = exports.__wbindgen_externrefs as WasmTable;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      };
    } else {
      throw new Error(`${wasmPath} needs an import this loader does not provide (${name}); Prisma changed its schema parser.`);
    }
  }
  const instance = await WebAssembly.instantiate(module, { __wbindgen_placeholder__: host });
  exports = instance.exports as Record<string, any>;
  exports.__wbindgen_start();
  return (params: string) => {
    const bytes = encoder.encode(params);
    const ptr = exports.__wbindgen_malloc(bytes.length, 1) >>> 0;
    memory().set(bytes, ptr);
    let result: [number, number, number, number];
    try {
      result = exports.get_dmmf(ptr, bytes.length);
    } catch (err) {
      throw new Error(`Prisma's schema parser crashed${panic ? `: ${panic}` : ''}`, { cause: err });
    }
    const [outPtr, outLen, errRef, isErr] = result;
    if (isErr) {
      const error = (exports.__wbindgen_externrefs as WasmTable).get(errRef);
      exports.__externref_table_dealloc(errRef);
      throw error instanceof Error ? error : new Error(String(error));
    }
    try {
      return text(outPtr, outLen);
    } finally {
      exports.__wbindgen_free(outPtr, outLen, 1);
    }
  };
}
