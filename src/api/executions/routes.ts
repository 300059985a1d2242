// Public execution routes: read a run and its steps.
import Router from '@koa/router';
import { loadExecutionView } from '../../services/executionView';
import type { ApiDeps } from '../context';
import { notFound } from '../errors';
import { requireApiKey, type AuthState } from '../middleware/apiKey';

/** Routes under /api/executions. */
export function executionRoutes(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/api/executions' });
  router.use(requireApiKey(deps.db));

  router.get('/:id', async (ctx) => {
    const auth = ctx.state.auth as AuthState;
    const id = String(ctx.params.id);
    const execution = id.length <= 100 ? await loadExecutionView(deps.db, auth.account.id, id) : null;
    if (!execution) throw notFound(`Execution "${id}"`);
    ctx.body = { success: true, execution };
  });

  return router;
}
