// A self-contained, readable HTML page of the OpenAPI document (no scripts, no CDN: works offline).

const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Json = Record<string, any>;

/** Renders the document as one HTML page: operations grouped by tag, with parameters, bodies and responses. */
export function renderDocsPage(doc: Json): string {
  const byTag = new Map<string, Array<{ method: string; path: string; op: Json }>>();
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags?.[0] as string | undefined) ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const schema = (value: unknown) => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;
  const sections = [...byTag.entries()].map(([tag, ops]) => {
    const items = ops.map(({ method, path, op }) => {
      const params = (op.parameters as Json[] | undefined) ?? [];
      const paramRows = params
        .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escape(p.description ?? '')} <code>${escape(JSON.stringify(p.schema))}</code></td></tr>`)
        .join('');
      const body = op.requestBody ? `<h4>Request body</h4>${schema(op.requestBody.content['application/json'].schema)}` : '';
      const responses = Object.entries(op.responses as Record<string, Json>)
        .map(([status, response]) => {
          const headers = response.headers ? `<div class="h">Headers: ${Object.keys(response.headers).map((h) => `<code>${escape(h)}</code>`).join(', ')}</div>` : '';
          const content = response.content ? Object.entries(response.content as Record<string, Json>)[0] : undefined;
          const shown = content && content[1].schema ? `<details><summary>${escape(content[0])}</summary>${schema(content[1].schema)}</details>` : '';
          return `<li><b>${escape(status)}</b> ${escape(response.description)}${headers}${shown}</li>`;
        })
        .join('');
      const auth = (op.security as Json[]).map((s) => Object.keys(s)[0]).join(', ') || 'none';
      return `<section class="op" id="${escape(op.operationId)}"><h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary)}${op.deprecated ? ' <em>(internal)</em>' : ''}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}
<p class="h">Auth: ${escape(auth)}</p>${paramRows ? `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr>${paramRows}</table>` : ''}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
    });
    return `<h2 id="tag-${escape(tag)}">${escape(tag)}</h2>${items.join('\n')}`;
  });
  const toc = [...byTag.entries()]
    .map(([tag, ops]) => `<li><a href="#tag-${escape(tag)}">${escape(tag)}</a><ul>${ops.map(({ method, path, op }) => `<li><a href="#${escape(op.operationId)}">${escape(method.toUpperCase())} ${escape(path)}</a></li>`).join('')}</ul></li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex}nav{width:320px;padding:1em;background:#f6f7f9;height:100vh;overflow:auto;position:sticky;top:0;font-size:13px}main{padding:1em 2em;max-width:960px}
.op{border:1px solid #dde;border-radius:6px;padding:.5em 1em;margin:1em 0}.m{font-weight:bold;padding:0 .4em;border-radius:3px;color:#fff;background:#555}.m.get{background:#2a7}.m.post{background:#27c}.m.delete{background:#c33}.m.patch{background:#c82}
pre{background:#f4f4f6;padding:.5em;overflow:auto;font-size:12px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;font-size:13px;text-align:left}.h{color:#555;font-size:13px}</style></head>
<body><nav><b>${escape(doc.info.title)}</b><p><a href="/openapi.json">openapi.json</a></p><ul>${toc}</ul></nav>
<main><h1>${escape(doc.info.title)}</h1><p>${escape(doc.info.description)}</p>${sections.join('\n')}</main></body></html>`;
}
