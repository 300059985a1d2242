// A client of the admin API (`/admin/*`, Bearer ADMIN_TOKEN): set-up without curl. Requests go
// through openapi-fetch typed by the generated document (./schema.d.ts).
import { answer, HttpTransport, type TransportOptions } from './transport';
import type { AccountAnswer, ApiKeyAnswer, GrantAnswer, RequestBody, WorkflowAnswer } from './types';

/** Options of the admin client. */
export interface AdminClientOptions extends Omit<TransportOptions, 'headers'> {
  adminToken: string;
}

/** A canvas to create: what `builder workflows push` reads from a file. */
export type WorkflowPush = RequestBody<'/admin/accounts/{id}/workflows', 'post'>;
/** A workflow's new name and graph. */
export type WorkflowUpdate = RequestBody<'/admin/workflows/{canvasId}', 'patch'>;

/** An account. */
export type Account = AccountAnswer['account'];
/** An API key (without its secret). */
export type ApiKey = ApiKeyAnswer['apiKey'];
/** A trial grant. */
export type Grant = GrantAnswer['grant'];
/** A workflow (canvas). */
export type Workflow = WorkflowAnswer['workflow'];

/** The admin API over HTTP. */
export class AdminApiClient {
  private readonly http: HttpTransport;
  constructor(options: AdminClientOptions) {
    this.http = new HttpTransport({ baseUrl: options.baseUrl, headers: { authorization: `Bearer ${options.adminToken}` }, ...(options.fetch ? { fetch: options.fetch } : {}) });
  }

  /** Creates an account. */
  async createAccount(input: RequestBody<'/admin/accounts', 'post'>): Promise<Account> {
    const { account } = answer(await this.http.api.POST('/admin/accounts', { body: input })) as AccountAnswer;
    return account;
  }

  /** Creates an API key of an account; the answer carries the secret, shown only once. */
  async createApiKey(accountId: string, input: RequestBody<'/admin/accounts/{id}/api-keys', 'post'>): Promise<{ apiKey: ApiKey; secret: string }> {
    const created = answer(await this.http.api.POST('/admin/accounts/{id}/api-keys', { params: { path: { id: accountId } }, body: input })) as ApiKeyAnswer;
    return { apiKey: created.apiKey, secret: created.secret };
  }

  /** Grants trial credits for one model. */
  async createGrant(accountId: string, input: RequestBody<'/admin/accounts/{id}/grants', 'post'>): Promise<Grant> {
    const { grant } = answer(await this.http.api.POST('/admin/accounts/{id}/grants', { params: { path: { id: accountId } }, body: input })) as GrantAnswer;
    return grant;
  }

  /** Creates a workflow of an account. */
  async createWorkflow(accountId: string, input: WorkflowPush): Promise<Workflow> {
    const { workflow } = answer(await this.http.api.POST('/admin/accounts/{id}/workflows', { params: { path: { id: accountId } }, body: input })) as WorkflowAnswer;
    return workflow;
  }

  /** Updates a workflow's name and graph by canvas id (the slug never changes). */
  async updateWorkflow(canvasId: string, input: WorkflowUpdate): Promise<Workflow> {
    const { workflow } = answer(await this.http.api.PATCH('/admin/workflows/{canvasId}', { params: { path: { canvasId } }, body: input })) as WorkflowAnswer;
    return workflow;
  }
}
