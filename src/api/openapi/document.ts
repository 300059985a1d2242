// Builds the OpenAPI 3.1 document from the registry, converting zod schemas with z.toJSONSchema.
import { z } from 'zod';
import { describedRoutes, type RouteSpec } from './registry';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, which OpenAPI 3.1 uses) of a zod schema; unrepresentable parts become `{}`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

/** `/api/workflows/:slug/run` → `/api/workflows/{slug}/run`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: 'path' | 'query' | 'header', object: z.ZodObject | undefined) => {
    if (!object) return;
    const schema = jsonSchema(object, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const { description, ...rest } = property as JsonSchema & { description?: string };
      out.push({
        name,
        in: where,
        required: where === 'path' || (schema.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add('path', route.params);
  for (const name of route.path.match(/:([A-Za-z0-9_]+)/g) ?? []) {
    const param = name.slice(1);
    if (!out.some((p) => p.in === 'path' && p.name === param)) out.push({ name: param, in: 'path', required: true, schema: { type: 'string' } });
  }
  add('query', route.query);
  add('header', route.headers);
  return out;
}

/** A unique operationId: the method, then the path in camel case (`postApiWorkflowsSlugRun`). */
function operationId(method: string, path: string): string {
  return `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
}

function operation(route: RouteSpec, method: string): JsonSchema {
  const security =
    route.auth === 'apiKey' ? [{ apiKey: [] }] : route.auth === 'admin' ? [{ adminToken: [] }] : [];
  const authNote = typeof route.auth === 'object' ? `\n\nAuthentication: ${route.auth.description}` : '';
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers
        ? { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }
        : {}),
      ...(response.body
        ? { content: { [response.contentType ?? 'application/json']: { schema: jsonSchema(response.body, 'output') } } }
        : response.contentType
          ? { content: { [response.contentType]: {} } }
          : {}),
    };
  }
  return {
    operationId: operationId(method, route.path),
    summary: route.summary,
    ...(route.description || authNote ? { description: `${route.description ?? ''}${authNote}`.trim() } : {}),
    tags: route.tags,
    security,
    ...(route.deprecated ? { deprecated: true } : {}),
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every described route. */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of describedRoutes()) {
    if (route.notAnOperation) continue;
    const path = (paths[openApiPath(route.path)] ??= {});
    const methods = route.method === 'all' ? (route.methods ?? ['get', 'post']) : [route.method];
    for (const method of methods) path[method] = operation(route, method);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Builder Studio run engine API',
      version: '1.0.0',
      description:
        'Run Builder Studio workflows: plan, admit and execute canvas subgraphs. Errors have the shape ' +
        '`{ "success": false, "error": { "code", "message", …details } }`. API-key routes are rate limited per account and tier ' +
        '(Pro 100/min, Business 1,000/min, Enterprise unlimited).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'Your API key (shown once when created).' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of the deployment.' },
      },
    },
    paths,
  };
}
