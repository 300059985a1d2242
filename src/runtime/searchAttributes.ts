// Our custom search attributes on a cluster we did not start: workers register them at start (a
// production code path), `npm run temporal:setup` and the local dev server and cluster do too.
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../workflows/searchAttributes';

/** Thrown when a cluster refuses to register our search attributes. */
export class SearchAttributeRegistrationError extends Error {
  override readonly name = 'SearchAttributeRegistrationError';
}

/** `temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD` (stable wire value). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * Registers our custom search attributes in a namespace of any cluster, keeping those that
 * already exist. The dev server gets them from flags at start; other clusters need this once.
 */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<{ added: string[] }> {
  const keyword = INDEXED_VALUE_TYPE_KEYWORD;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const { name } of SEARCH_ATTRIBUTE_DEFINITIONS) {
    const type = custom[name];
    if (type === undefined || type === null) missing[name] = keyword;
    else if (type !== keyword) {
      throw new SearchAttributeRegistrationError(
        `Search attribute ${name} exists in namespace ${namespace} with indexed value type ${type}, not Keyword (${keyword}).`,
      );
    }
  }
  const added = Object.keys(missing);
  if (added.length === 0) return { added };
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another process registering at the same time is fine.
    if (isGrpcServiceError(err) && err.code === 6 /* ALREADY_EXISTS */) return { added: [] };
    const reason = err instanceof Error ? err.message : String(err);
    throw new SearchAttributeRegistrationError(
      `Could not add search attributes ${added.join(', ')} to namespace ${namespace}: ${reason}. ` +
        'On Temporal Cloud, add them with tcld or the Cloud UI instead.',
      { cause: err },
    );
  }
  return { added };
}
