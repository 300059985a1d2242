// The actions of the admin commands (accounts, keys, workflows): set-up through the admin API,
// authenticated with the server's ADMIN_TOKEN, so nobody needs curl.
import { AdminApiClient, type Workflow, type WorkflowPush } from '../client/adminClient';
import { ApiError } from '../client/transport';
import { loadAdminConfig } from './config';
import type { GlobalOptions } from './commands';
import { UsageError } from './errors';
import { readJsonFile } from './inputs';
import { processOutput } from './output';

/** The admin command actions, reading configuration from flags and `env`. */
export function adminCommands(env: Record<string, string | undefined>) {
  const client = (options: GlobalOptions) => {
    const config = loadAdminConfig(options, env);
    return new AdminApiClient({ baseUrl: config.BUILDER_API_URL, adminToken: config.ADMIN_TOKEN });
  };

  return {
    async createAccount(options: GlobalOptions & { name: string; id?: string; tier?: 'pro' | 'business' | 'enterprise'; credits?: number; unapproved?: boolean }): Promise<number> {
      const account = await client(options).createAccount({
        name: options.name,
        ...(options.id ? { id: options.id } : {}),
        ...(options.tier ? { tier: options.tier } : {}),
        ...(options.credits !== undefined ? { creditBalance: options.credits } : {}),
        approved: !options.unapproved,
      });
      processOutput(options.json === true).print(account, () => `account ${account.id} (${String(account.tier)}, ${String(account.creditBalance)} credits${account.approved ? '' : ', not approved'})\n`);
      return 0;
    },

    async grant(accountId: string, options: GlobalOptions & { model: string; credits: number }): Promise<number> {
      const grant = await client(options).createGrant(accountId, { model: options.model, credits: options.credits });
      processOutput(options.json === true).print(grant, () => `grant of ${String(grant.creditsRemaining)} credits for ${String(grant.model)} on ${accountId}\n`);
      return 0;
    },

    async createKey(accountId: string, options: GlobalOptions & { name?: string; capability?: string[] }): Promise<number> {
      const created = await client(options).createApiKey(accountId, {
        ...(options.name ? { name: options.name } : {}),
        ...(options.capability?.length ? { capabilities: options.capability } : {}),
      });
      processOutput(options.json === true).print(
        { apiKey: created.apiKey, secret: created.secret },
        () => `${created.secret}\n(key ${created.apiKey.id}, ${created.apiKey.capabilities.join(', ')}; the secret is shown only once: store it now)\n`,
      );
      return 0;
    },

    async pushWorkflow(file: string, options: GlobalOptions & { account: string; slug?: string; name?: string; canvasId?: string }): Promise<number> {
      const push = workflowFromFile(await readJsonFile(file, 'canvas file'), options, file);
      const admin = client(options);
      let action: 'created' | 'updated';
      let workflow: Workflow;
      if (push.canvasId) {
        try {
          workflow = await admin.updateWorkflow(push.canvasId, { name: push.name, graph: push.graph });
          action = 'updated';
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          workflow = await admin.createWorkflow(options.account, push);
          action = 'created';
        }
      } else {
        try {
          workflow = await admin.createWorkflow(options.account, push);
          action = 'created';
        } catch (err) {
          if (err instanceof ApiError && err.code === 'CONFLICT') {
            throw new ApiError(err.status, err.code, `${err.message} To update it, pass its --canvas-id (or put "canvasId" in ${file}).`, err.details);
          }
          throw err;
        }
      }
      processOutput(options.json === true).print({ action, workflow }, () => `${action} workflow ${workflow.slug} (canvas ${workflow.canvasId})\n`);
      return 0;
    },
  };
}

/** The workflow a canvas file describes: `{ slug, name, canvasId?, graph }` or a bare `{ nodes, edges }`; flags override. */
function workflowFromFile(content: unknown, flags: { slug?: string; name?: string; canvasId?: string }, file: string): WorkflowPush {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) throw new UsageError(`${file} must hold a JSON object`);
  const record = content as Record<string, unknown>;
  const bare = 'nodes' in record && !('graph' in record);
  const slug = flags.slug ?? (typeof record.slug === 'string' ? record.slug : undefined);
  if (!slug) throw new UsageError(`${file} names no "slug": add one or pass --slug`);
  const name = flags.name ?? (typeof record.name === 'string' ? record.name : slug);
  const canvasId = flags.canvasId ?? (typeof record.canvasId === 'string' ? record.canvasId : undefined);
  return { slug, name, ...(canvasId ? { canvasId } : {}), graph: bare ? record : record.graph };
}
