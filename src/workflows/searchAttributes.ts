// Custom search attributes set on every run, so ops can find runs in the Temporal UI.
// Registered on the dev server at start (temporal/devServer.ts) and by `npm run temporal:setup`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Trigger type of the run (`api`, `manual`, `webhook`, `mcp`, `user-mcp`, `replay`). */
export const TRIGGER_TYPE = defineSearchAttributeKey('BuilderTriggerType', SearchAttributeType.KEYWORD);
/** Slug of the workflow (canvas) being run. */
export const WORKFLOW_SLUG = defineSearchAttributeKey('BuilderWorkflowSlug', SearchAttributeType.KEYWORD);
/** Account that owns the run. */
export const ACCOUNT_ID = defineSearchAttributeKey('BuilderAccountId', SearchAttributeType.KEYWORD);
/** Canvas id of the workflow. */
export const CANVAS_ID = defineSearchAttributeKey('BuilderCanvasId', SearchAttributeType.KEYWORD);
/** Our run status, kept current (`running`, `waiting`, `completed`, …). */
export const RUN_STATUS = defineSearchAttributeKey('BuilderRunStatus', SearchAttributeType.KEYWORD);

/** Every custom attribute, as `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  TRIGGER_TYPE, WORKFLOW_SLUG, ACCOUNT_ID, CANVAS_ID, RUN_STATUS,
].map((key) => ({ name: key.name, type: 'Keyword' as const }));
