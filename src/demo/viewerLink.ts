// The run viewer link `npm start` prints: an account view token of the demo key, with actions.
import type { Db } from '../db/client';
import { hashApiKey } from '../services/apiKeys';
import { signViewToken, VIEW_TOKEN_TTL } from '../services/viewTokens';

/** `/runs#token=…` for every run of the demo key's account, valid for the longest token lifetime. */
export async function demoViewerPath(db: Db, apiKey: string): Promise<string> {
  const key = await db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(apiKey) }, include: { account: true } });
  const exp = Math.floor(Date.now() / 1000) + VIEW_TOKEN_TTL.maxSeconds;
  return `/runs#token=${signViewToken(key.account.webhookSecret, { a: key.accountId, k: key.id, x: null, act: true, exp })}`;
}
