// A client of the admin API (`/admin/*`, Bearer ADMIN_TOKEN): set-up without curl.
import { HttpTransport, type TransportOptions } from './transport';

/** Options of the admin client. */
export interface AdminClientOptions extends Omit<TransportOptions, 'headers'> {
  adminToken: string;
}

/** A canvas to create or update: what `builder workflows push` reads from a file. */
export interface WorkflowPush {
  slug: string;
  name: string;
  canvasId?: string;
  graph: unknown;
}

/** The admin API over HTTP. */
export class AdminApiClient {
  private readonly http: HttpTransport;
  constructor(options: AdminClientOptions) {
    this.http = new HttpTransport({ baseUrl: options.baseUrl, headers: { authorization: `Bearer ${options.adminToken}` }, ...(options.fetch ? { fetch: options.fetch } : {}) });
  }

  /** Creates an account. */
  createAccount(input: { id?: string; name: string; tier?: string; approved?: boolean; creditBalance?: number }): Promise<{ success: true; account: Record<string, unknown> & { id: string } }> {
    return this.http.json('POST', '/admin/accounts', input);
  }

  /** Creates an API key of an account; the answer carries the secret, shown only once. */
  createApiKey(accountId: string, input: { name?: string; capabilities?: string[] }): Promise<{ success: true; apiKey: Record<string, unknown> & { id: string }; secret: string }> {
    return this.http.json('POST', `/admin/accounts/${encodeURIComponent(accountId)}/api-keys`, input);
  }

  /** Grants trial credits for one model. */
  createGrant(accountId: string, input: { model: string; credits: number }): Promise<{ success: true; grant: Record<string, unknown> }> {
    return this.http.json('POST', `/admin/accounts/${encodeURIComponent(accountId)}/grants`, input);
  }

  /** Creates a workflow of an account. */
  createWorkflow(accountId: string, input: WorkflowPush): Promise<{ success: true; workflow: Record<string, unknown> & { slug: string; canvasId: string } }> {
    return this.http.json('POST', `/admin/accounts/${encodeURIComponent(accountId)}/workflows`, input);
  }

  /** Updates a workflow's name and graph by canvas id (the slug never changes). */
  updateWorkflow(canvasId: string, input: { name?: string; graph?: unknown }): Promise<{ success: true; workflow: Record<string, unknown> & { slug: string; canvasId: string } }> {
    return this.http.json('PATCH', `/admin/workflows/${encodeURIComponent(canvasId)}`, input);
  }
}
