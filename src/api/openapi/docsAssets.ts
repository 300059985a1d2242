// The script and stylesheet of /docs (./docsPage.ts). The script only adds "try it": each form sends
// its request to this server with the credentials typed at the top (kept in sessionStorage) and
// shows the answer. No eval, no other host.

/** /docs/assets/docs.js */
export const DOCS_SCRIPT = `(() => {
  const creds = document.querySelector('[data-credentials]');
  const stored = JSON.parse(sessionStorage.getItem('docs-credentials') || '{}');
  for (const input of creds.querySelectorAll('input')) {
    input.value = stored[input.name] || '';
    input.addEventListener('input', () => {
      stored[input.name] = input.value;
      sessionStorage.setItem('docs-credentials', JSON.stringify(stored));
    });
  }
  for (const form of document.querySelectorAll('form[data-try]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const section = form.closest('section');
      const out = section.querySelector('[data-answer]');
      let path = section.dataset.path;
      const query = new URLSearchParams();
      const headers = {};
      let body;
      for (const field of form.querySelectorAll('[data-in]')) {
        const value = field.value.trim();
        if (!value) continue;
        if (field.dataset.in === 'path') path = path.replace('{' + field.name + '}', encodeURIComponent(value));
        else if (field.dataset.in === 'query') query.set(field.name, value);
        else if (field.dataset.in === 'header') headers[field.name] = value;
        else if (field.dataset.in === 'body') { body = value; headers['content-type'] = 'application/json'; }
      }
      for (const scheme of section.dataset.auth.split(' ').filter(Boolean)) {
        const value = stored[scheme];
        if (!value) continue;
        if (scheme === 'apiKey') headers['x-api-key'] = value;
        else headers.authorization = 'Bearer ' + value;
        break;
      }
      const url = path + (query.size ? '?' + query : '');
      out.hidden = false;
      out.textContent = section.dataset.method.toUpperCase() + ' ' + url + ' …';
      try {
        const response = await fetch(url, { method: section.dataset.method.toUpperCase(), headers, body });
        const text = await response.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
        out.textContent = response.status + ' ' + response.statusText + '\\n' + shown.slice(0, 20000);
        out.dataset.status = String(response.status);
      } catch (err) {
        out.textContent = 'The request failed: ' + err;
      }
    });
  }
})();
`;

/** /docs/assets/docs.css */
export const DOCS_STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6473; --line: #dde1e8; --bg: #fff; --panel: #f6f7f9; --accent: #2456c7; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ee; --muted: #a0a7b4; --line: #343a46; --bg: #16191f; --panel: #1e222a; --accent: #7aa2ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); display: grid; grid-template-columns: 300px 1fr; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; padding: 12px 14px; border-right: 1px solid var(--line); background: var(--panel); }
nav h3 { margin: 14px 0 4px; font-size: 12px; text-transform: uppercase; color: var(--muted); }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li a { display: block; padding: 2px 0; color: var(--fg); text-decoration: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav li a:hover { color: var(--accent); }
.brand { font-weight: 600; margin: 0 0 4px; }
main { padding: 8px 28px 60px; max-width: 1100px; }
.intro p { margin: 8px 0; color: var(--muted); }
.credentials { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 6px 0 4px; }
.credentials input { width: 190px; }
h1.tag { font-size: 18px; margin: 22px 0 6px; padding-top: 8px; border-top: 2px solid var(--line); }
.op { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
.op h2 { font-size: 15px; margin: 2px 0 4px; }
.op h4 { margin: 8px 0 2px; font-size: 13px; }
.op p { margin: 4px 0; }
.summary { font-weight: 400; color: var(--muted); }
.m { display: inline-block; min-width: 50px; font: 600 11px ui-monospace, monospace; padding: 1px 4px; border-radius: 3px; text-align: center; color: #fff; background: #6b7280; }
.m-get { background: #1f7a4d; } .m-post { background: #2456c7; } .m-patch, .m-put { background: #a05a00; } .m-delete { background: #b42318; }
code { font: 12.5px ui-monospace, monospace; }
.fields, .responses { margin: 2px 0; padding-left: 18px; }
.type, .in { color: var(--muted); font: 12px ui-monospace, monospace; }
.req { color: #b42318; font-size: 11px; }
.desc { color: var(--muted); }
.status { font: 600 12px ui-monospace, monospace; }
.s2 { color: #1f7a4d; } .s4 { color: #a05a00; } .s5 { color: #b42318; }
.auth { color: var(--muted); font-size: 12px; }
.try summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
.try form { display: grid; gap: 6px; max-width: 640px; }
.try label { display: grid; gap: 2px; }
input, textarea, button { font: 13px ui-monospace, monospace; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
button { justify-self: start; cursor: pointer; background: var(--accent); color: #fff; border: 0; padding: 5px 14px; }
.answer { background: var(--panel); padding: 8px; overflow: auto; max-height: 360px; }
.problems { border: 1px solid #b42318; padding: 6px 12px; margin: 8px 0; }
@media (max-width: 800px) { body { grid-template-columns: 1fr; } nav { position: static; height: auto; } }
`;
