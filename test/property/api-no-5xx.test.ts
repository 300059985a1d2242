// No body, header, query or id a client can send makes any route answer 5xx. The caller is an
// Enterprise account (no rate limit) with 0 credits, so valid-looking runs of a billable workflow
// stop at admission; a free workflow (a Template node only) lets inputs reach the database.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const printable = (max: number) => fc.string({ maxLength: max }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
/** Strings Postgres cannot store: NUL characters and lone UTF-16 surrogates, alone or inside text. */
const hostile = fc
  .tuple(fc.string({ maxLength: 5 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud800\u0000'), fc.string({ maxLength: 5 }))
  .map(([a, bad, b]) => a + bad + b);
const text = fc.oneof(fc.string(), hostile);
const pathSegment = fc.oneof(
  fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('..', '%', '%00', 'ex_1', 'a-b', '')).map((s) => encodeURIComponent(s) || 'x'),
  // Sent as is (not re-encoded): a decoded NUL in an id, and the UTF-8 bytes of a lone surrogate.
  fc.constantFrom('%00', 'ex_%00', 'key_%00x', '%ED%A0%80', 'a%00%ED%A0%80'),
);
/** Inputs with hostile strings as values and keys, at the top level and nested. */
const hostileInputs = fc.oneof(
  fc.record({ topic: hostile }),
  fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 2 })), { maxKeys: 3 }),
);
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.record({ inputs: fc.anything({ maxDepth: 2 }), callbackUrl: fc.oneof(fc.string(), fc.webUrl(), fc.integer()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ canvasId: text, executionId: text, targetNodeId: text, inputs: fc.anything({ maxDepth: 2 }) }, { requiredKeys: [] }).map((v) =>
    JSON.stringify(v),
  ),
  fc.record({ inputs: hostileInputs, callbackUrl: text, fromStepId: text, name: text, slug: text, capabilities: fc.array(text) }, { requiredKeys: ['inputs'] }).map((v) =>
    JSON.stringify(v),
  ),
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', ''),
    'x-trigger-type': fc.oneof(fc.constant('manual'), printable(30)),
    'idempotency-key': printable(300),
    'x-request-id': printable(200),
    'last-event-id': printable(20),
  },
  { requiredKeys: [] },
);
const query = fc.oneof(
  fc.constant(''),
  fc.constant('?async=true'),
  fc.string({ maxLength: 50 }).map((s) => `?async=${encodeURIComponent(s)}&${encodeURIComponent(s)}=1`),
  fc.constantFrom('?workflow=%00', '?status=%00&trigger=%00', '?lastEventId=%00', '?token=%00', '?async=true&x=%ED%A0%80'),
);

describe('no client input produces a 5xx (property-based)', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  let canvasId: string;
  let freeSlug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 0 });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const wf = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}' } }], 'gen'));
    slug = wf.slug;
    canvasId = wf.canvasId;
    freeSlug = (await buildWorkflow(api.engine.db, account.id, chain([{ id: 'echo', type: 'template', config: { template: '{{topic}}' } }], 'echo'))).slug;
  });
  after(async () => api?.close());

  /** [method, path builder] of every route family, with ids sometimes valid. */
  const routes = (): Array<[string, (id: string) => string]> => [
    ['POST', (id) => `/api/workflows/${id}/run`],
    ['POST', () => `/api/workflows/${slug ?? ':slug'}/run`],
    ['POST', () => `/api/workflows/${freeSlug ?? ':free-slug'}/run`],
    ['POST', () => `/api/mcp/workflows/${freeSlug ?? ':free-slug'}/run`],
    ['GET', () => '/api/workflows'],
    ['GET', (id) => `/api/workflows/${id}/schema`],
    ['GET', (id) => `/api/workflows/${id}/webhooks`],
    ['GET', (id) => `/api/executions/${id}`],
    ['GET', () => '/api/executions'],
    ['POST', (id) => `/api/executions/${id}/cancel`],
    ['POST', (id) => `/api/executions/${id}/replay`],
    ['POST', () => '/api/execute/start'],
    ['PUT', () => '/api/execute'],
    ['POST', (id) => `/api/execute/${id}`],
    ['POST', (id) => `/api/hooks/${id}`],
    ['POST', (id) => `/api/providers/callbacks/${id}/${id}`],
    ['GET', () => '/api/mcp/workflows'],
    ['POST', (id) => `/api/mcp/workflows/${id}/run`],
    ['POST', () => '/admin/accounts'],
    ['POST', (id) => `/admin/accounts/${id}/api-keys`],
    ['POST', (id) => `/admin/accounts/${id}/grants`],
    ['POST', (id) => `/admin/accounts/${id}/workflows`],
    ['POST', (id) => `/admin/api-keys/${id}/revoke`],
    ['PATCH', (id) => `/admin/workflows/${id}`],
    ['POST', (id) => `/api/executions/${id}/view-token`],
    ['POST', () => '/api/executions/view-token'],
    ['GET', (id) => `/api/executions/${id}/graph`],
    ['GET', (id) => `/api/executions/${id}/events`],
    ['GET', (id) => `/runs/${id}`],
    ['GET', (id) => `/runs/assets/${id}`],
    ['GET', () => '/openapi.json'],
    ['POST', () => '/mcp'],
    ['GET', (id) => `/${id}`],
  ];

  for (const [method, path] of routes()) {
    it(`${method} ${path(':id')} never answers 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(pathSegment, body, headers, query, fc.constantFrom('key', 'none', 'bad', 'admin', 'viewToken'), fc.boolean(), fc.oneof(fc.constant('x'), hostile), async (id, raw, extra, q, auth, canvas, hostileTopic) => {
          const authHeaders: Record<string, string> =
            auth === 'key' ? { 'x-api-key': key } : auth === 'bad' ? { 'x-api-key': 'bsk_x' } : auth === 'admin' ? { authorization: `Bearer ${api.adminToken}` } : {};
          // A forged run viewer token: claims that parse (or not), with no valid MAC.
          if (auth === 'viewToken') authHeaders.authorization = `Bearer vt1.${Buffer.from(raw).toString('base64url')}.${encodeURIComponent(id)}`;
          const sent = method === 'POST' && path(id) === '/api/execute/start' && canvas ? JSON.stringify({ canvasId, inputs: { topic: hostileTopic } }) : raw;
          const response = await fetch(api.url + path(id) + q, {
            method,
            headers: { ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== '')), ...authHeaders },
            ...(method === 'GET' ? {} : { body: sent }),
          });
          const text = await response.text();
          assert.ok(response.status < 500, `${method} ${path(id)}${q} → ${response.status} ${text.slice(0, 300)}`);
        }),
        { numRuns: 60 },
      );
    });
  }
});
