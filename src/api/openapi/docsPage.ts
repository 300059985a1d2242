// The API reference page (/docs), rendered on the server from the OpenAPI document: the first
// screen is the reference itself (operations by tag, their parameters, bodies and answers), with
// no script needed to read it, nothing fetched from another host and no eval. A small script from
// this origin (./docsAssets.ts) adds "try it". The document is checked while it is rendered: a
// $ref that does not resolve or an operation without answers is listed at the top of the page.

type Json = Record<string, unknown>;

/** What the renderer found wrong in the document (empty when it is whole). */
export interface DocsRender {
  html: string;
  problems: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Escapes text for HTML. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escaped prose with `code` spans. */
function prose(text: unknown): string {
  return esc(text ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A stable anchor of an operation. */
function anchor(operationId: string): string {
  return `op-${operationId}`;
}

/** Renders `document` as the reference page; `assets` are the script and stylesheet paths. */
export function renderDocsPage(document: Json, assets: { script: string; style: string }): DocsRender {
  const problems: string[] = [];
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const resolve = (ref: string, where: string): { name: string; schema: Json } | undefined => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name ? components[name] : undefined;
    if (!name || !schema) {
      problems.push(`${where}: $ref ${ref} does not resolve`);
      return undefined;
    }
    return { name, schema };
  };

  /** A one-line type of a schema: `string`, `integer`, `"a" | "b"`, `Workflow[]`, `object`… */
  const typeOf = (schema: Json | undefined, where: string): string => {
    if (!schema) return 'any';
    if (typeof schema.$ref === 'string') return resolve(schema.$ref, where)?.name ?? '?';
    if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
    if ('const' in schema) return JSON.stringify(schema.const);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const parts = schema[key];
      if (Array.isArray(parts)) return parts.map((part: Json) => typeOf(part, where)).join(key === 'allOf' ? ' & ' : ' | ');
    }
    const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type as string | undefined);
    if (type === 'array') return `${typeOf(schema.items as Json | undefined, where)}[]`;
    return type ?? 'any';
  };

  /** The fields of an object schema as a nested list (depth-limited; named schemas link to their section). */
  const fields = (schema: Json | undefined, where: string, depth = 0): string => {
    if (!schema) return '';
    let target = schema;
    if (typeof schema.$ref === 'string') {
      const resolved = resolve(schema.$ref, where);
      if (!resolved) return '';
      target = resolved.schema;
    }
    if (target.type === 'array' && target.items) return fields(target.items as Json, `${where}[]`, depth);
    const properties = target.properties as Record<string, Json> | undefined;
    if (!properties || depth > 2) return '';
    const required = new Set((target.required as string[] | undefined) ?? []);
    const rows = Object.entries(properties).map(([name, property]) => {
      const description = property.description;
      const inner = fields(property, `${where}.${name}`, depth + 1);
      return `<li><code class="field">${esc(name)}</code> <span class="type">${esc(typeOf(property, `${where}.${name}`))}</span>${required.has(name) ? ' <span class="req">required</span>' : ''}${description ? ` <span class="desc">${prose(description)}</span>` : ''}${inner}</li>`;
    });
    return `<ul class="fields">${rows.join('')}</ul>`;
  };

  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const byTag = new Map<string, Array<{ method: string; path: string; op: Json }>>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (typeof op.operationId !== 'string') problems.push(`${where}: no operationId`);
      if (!op.responses || Object.keys(op.responses as Json).length === 0) problems.push(`${where}: no responses`);
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }

  // A newcomer's routes first, the operator's last.
  const ORDER = ['Workflows', 'Executions', 'Run viewer', 'MCP', 'Webhooks', 'Studio', 'Media', 'Providers', 'Admin', 'Docs'];
  const rank = (tag: string) => (ORDER.includes(tag) ? ORDER.indexOf(tag) : ORDER.length);
  const tags = [...byTag].sort(([a], [b]) => rank(a) - rank(b));
  const nav = tags
    .map(
      ([tag, ops]) =>
        `<h3>${esc(tag)}</h3><ul>${ops.map(({ method, path, op }) => `<li><a href="#${esc(anchor(String(op.operationId)))}" title="${esc(`${method.toUpperCase()} ${path}: ${String(op.summary ?? '')}`)}"><span class="m m-${method}">${method.toUpperCase()}</span> ${esc(op.summary ?? path)}</a></li>`).join('')}</ul>`,
    )
    .join('');

  const operation = (method: string, path: string, op: Json): string => {
    const where = `${method.toUpperCase()} ${path}`;
    const security = ((op.security as Array<Json> | undefined) ?? []).flatMap((entry) => Object.keys(entry));
    const parameters = (op.parameters as Json[] | undefined) ?? [];
    const params = parameters.length
      ? `<h4>Parameters</h4><ul class="fields">${parameters
          .map(
            (p) =>
              `<li><code class="field">${esc(p.name)}</code> <span class="in">${esc(p.in)}</span> <span class="type">${esc(typeOf(p.schema as Json, `${where} ${String(p.name)}`))}</span>${p.required ? ' <span class="req">required</span>' : ''}${p.description ? ` <span class="desc">${prose(p.description)}</span>` : ''}</li>`,
          )
          .join('')}</ul>`
      : '';
    const bodySchema = (((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
    const body = bodySchema ? `<h4>Body <span class="type">${esc(typeOf(bodySchema, `${where} body`))}</span></h4>${fields(bodySchema, `${where} body`)}` : '';
    const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
      .map(([status, response]) => {
        const content = (response.content ?? {}) as Record<string, Json>;
        const [type, media] = Object.entries(content)[0] ?? [];
        const schema = media?.schema as Json | undefined;
        const detail = status.startsWith('2') && schema ? fields(schema, `${where} ${status}`) : '';
        return `<li><span class="status s${esc(status[0])}">${esc(status)}</span> ${prose(response.description ?? '')}${type && type !== 'application/json' ? ` <span class="type">${esc(type)}</span>` : ''}${detail}</li>`;
      })
      .join('');
    const example = bodySchema ? JSON.stringify(exampleOf(bodySchema, components), null, 2) : '';
    return `<section class="op" id="${esc(anchor(String(op.operationId)))}" data-method="${method}" data-path="${esc(path)}" data-auth="${esc(security.join(' '))}">
<h2><span class="m m-${method}">${method.toUpperCase()}</span> <code class="path">${esc(path)}</code> <span class="summary">${esc(op.summary ?? '')}</span></h2>
${op.description ? `<p>${prose(op.description)}</p>` : ''}<p class="auth">${security.length ? `Authentication: ${security.map((s) => `<code>${esc(s)}</code>`).join(' or ')}` : 'No authentication.'}</p>
${params}${body}<h4>Answers</h4><ul class="responses">${responses}</ul>
<details class="try"><summary>Try it</summary><form data-try>${parameters
      .filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header')
      .map((p) => `<label>${esc(p.name)} <small>(${esc(p.in)})</small> <input name="${esc(p.name)}" data-in="${esc(p.in)}"${p.required ? ' required' : ''}></label>`)
      .join('')}${bodySchema ? `<label>Body (JSON)<textarea name="body" data-in="body" rows="6">${esc(example)}</textarea></label>` : ''}<button type="submit">Send</button></form><pre class="answer" data-answer hidden></pre></details>
</section>`;
  };

  const sections = tags.map(([tag, ops]) => `<h1 class="tag">${esc(tag)}</h1>${ops.map(({ method, path, op }) => operation(method, path, op)).join('')}`).join('');
  const info = (document.info ?? {}) as Json;
  const schemes = ((document.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>;
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(info.title ?? 'API')}</title><link rel="stylesheet" href="${assets.style}"><link rel="icon" href="/favicon.ico"></head>
<body data-validation="${problems.length ? 'errors' : 'ok'}">
<nav><p class="brand">${esc(info.title ?? 'API')} <small>${esc(info.version ?? '')}</small></p><p><a href="/openapi.json">openapi.json</a></p>${nav}</nav>
<main>
${problems.length ? `<div class="problems" role="alert"><strong>The document has problems:</strong><ul>${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>` : ''}
<div class="intro"><p>${prose(info.description ?? '')}</p>
<form class="credentials" data-credentials>${Object.entries(schemes)
    .map(([name, scheme]) => `<label title="${esc(scheme.description ?? '')}"><code>${esc(name)}</code> <input name="${esc(name)}" autocomplete="off" placeholder="${esc(scheme.type === 'apiKey' ? String(scheme.name) : 'Bearer token')}"></label>`)
    .join('')}<small>Used by “Try it”; kept in this tab only.</small></form></div>
${sections}
</main>
<script src="${assets.script}"></script>
</body>
</html>`;
  return { html, problems };
}

/** An example value of a schema, for the "try it" body. */
function exampleOf(schema: Json, components: Record<string, Json>, depth = 0): unknown {
  if (depth > 4) return null;
  if (typeof schema.$ref === 'string') {
    const target = components[schema.$ref.replace('#/components/schemas/', '')];
    return target ? exampleOf(target, components, depth + 1) : null;
  }
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) return exampleOf(schema.anyOf[0] as Json, components, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    return Object.fromEntries(Object.entries(properties).filter(([name]) => required.has(name)).map(([name, property]) => [name, exampleOf(property, components, depth + 1)]));
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return false;
  if (type === 'string') return '';
  return null;
}
