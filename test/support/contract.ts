// Checks real answers of the API against its OpenAPI document (the one /openapi.json serves): the
// status must be listed for the operation, the content type must be one it lists, and a JSON body
// must match the listed schema (JSON Schema 2020-12, validated by Ajv). The test API harness runs
// every answer through this, so any test that meets an undocumented answer fails.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildOpenApiDocument } from '../../src/api/openapi/document';

// ajv-formats is CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

type Json = Record<string, any>;

/** One operation of the document with a matcher for concrete paths. */
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  spec: Json;
}

/** An answer to check. */
export interface Exchange {
  method: string;
  /** The path with its query, as requested. */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

/** Checks exchanges against one OpenAPI document and remembers which operation answered which status. */
export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  /** `METHOD template` → statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    // Components are referenced as `#/components/…` inside the document: register them under one id.
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components ?? {} });
    for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      const segments = template.split('/');
      const source = segments.map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
      for (const [method, spec] of Object.entries(item)) {
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
          spec,
        });
      }
    }
    // `/api/executions/view-token` before `/api/executions/{id}`.
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The documented operation serving `method path`, if any. */
  operationOf(method: string, path: string): Operation | undefined {
    const bare = path.split('?')[0]!;
    return this.operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(bare));
  }

  /**
   * What is wrong with the exchange, as readable lines (empty when it matches the document).
   * Paths the document does not describe (unknown routes, /healthz) are not checked.
   */
  check(exchange: Exchange): string[] {
    const op = this.operationOf(exchange.method, exchange.path);
    if (!op) return [];
    const name = `${op.method} ${op.template}`;
    if (!this.seen.has(name)) this.seen.set(name, new Set());
    this.seen.get(name)!.add(exchange.status);
    const response = (op.spec.responses as Record<string, Json>)[String(exchange.status)];
    const body = JSON.stringify(exchange.body)?.slice(0, 500);
    if (!response) return [`${name} answered ${exchange.status}, which the document does not list (body ${body})`];
    const content = response.content as Record<string, Json> | undefined;
    if (!content) return [];
    const mediaType = exchange.contentType.split(';')[0]!.trim().toLowerCase();
    const documented = Object.keys(content);
    // A documented `application/octet-stream` stands for whatever type the stored media has.
    if (!documented.includes(mediaType) && !documented.includes('application/octet-stream')) {
      return [`${name} ${exchange.status} answered ${mediaType || 'no content type'}; the document lists ${documented.join(', ')}`];
    }
    if (mediaType !== 'application/json') return [];
    const validate = this.validator(`${name} ${exchange.status}`, content['application/json']!.schema as Json);
    if (validate(exchange.body)) return [];
    return (validate.errors ?? []).map((error) => `${name} ${exchange.status}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)} (body ${body})`);
  }

  /** Problems of a value against a component schema (e.g. `SseEvent`). */
  checkComponent(component: string, value: unknown): string[] {
    const validate = this.validator(`component ${component}`, { $ref: `openapi.json#/components/schemas/${component}` });
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${component}${error.instancePath} ${error.message} ${JSON.stringify(error.params)} (value ${JSON.stringify(value)?.slice(0, 500)})`);
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(withComponentRefs(schema));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** The schema with `#/components/…` references pointed at the registered components. */
function withComponentRefs(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, '"$ref":"openapi.json#/components/'));
}

let shared: ContractChecker | undefined;

/** One checker per test process, over the document the app serves (every route module is loaded by then). */
export function contractChecker(): ContractChecker {
  return (shared ??= new ContractChecker(buildOpenApiDocument()));
}
