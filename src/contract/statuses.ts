// The public enums of runs: trigger types, run and step statuses, tiers; their terminal sets; and
// the one codec between the API's spelling of a trigger type and the database's.
// Pure (zod only): the server, the workflows, the CLI, MCP and the generated client all use these.
import { z } from 'zod';

/** Statuses of an execution, as the seed names them. */
export const EXECUTION_STATUSES = ['planning', 'running', 'waiting', 'completed', 'error', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** An execution status. */
export const executionStatusSchema = z.enum(EXECUTION_STATUSES).meta({ id: 'ExecutionStatus', description: 'Status of a run.' });

/** Statuses of a step, as the seed names them. */
export const STEP_STATUSES = ['pending', 'running', 'streaming', 'waiting', 'completed', 'error', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
/** A step status. */
export const stepStatusSchema = z.enum(STEP_STATUSES).meta({ id: 'StepStatus', description: 'Status of one step (node) of a run.' });

/** Where a run comes from, in the API's spelling. */
export const TRIGGER_TYPES = ['manual', 'api', 'webhook', 'mcp', 'user-mcp', 'replay'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
/** A trigger type. */
export const triggerTypeSchema = z.enum(TRIGGER_TYPES).meta({
  id: 'TriggerType',
  description: '`manual` (studio), `api`, `webhook`, `mcp` (the studio agent), `user-mcp` (any other MCP client) or `replay`.',
});

/** Plan tiers. */
export const TIERS = ['pro', 'business', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];
/** A plan tier. */
export const tierSchema = z.enum(TIERS).meta({ id: 'Tier', description: 'Plan tier: prices, models and rate limits depend on it.' });

// The database's enum cannot hold a hyphen in an identifier: `user-mcp` is stored as `user_mcp`
// (Prisma maps it back to "user-mcp" in SQL). This table is the only place that knows.
const TRIGGER_TYPE_TO_DB = {
  manual: 'manual',
  api: 'api',
  webhook: 'webhook',
  mcp: 'mcp',
  'user-mcp': 'user_mcp',
  replay: 'replay',
} as const satisfies Record<TriggerType, string>;

/** A trigger type as the Prisma client spells it. */
export type DbTriggerType = (typeof TRIGGER_TYPE_TO_DB)[TriggerType];

const TRIGGER_TYPE_FROM_DB = Object.fromEntries(Object.entries(TRIGGER_TYPE_TO_DB).map(([api, db]) => [db, api])) as Record<DbTriggerType, TriggerType>;

/** The database spelling of a trigger type. */
export function triggerTypeToDb(triggerType: TriggerType): DbTriggerType {
  return TRIGGER_TYPE_TO_DB[triggerType];
}

/** The API spelling of a stored trigger type. */
export function triggerTypeFromDb(stored: DbTriggerType): TriggerType {
  return TRIGGER_TYPE_FROM_DB[stored];
}

const TERMINAL_EXECUTION: ReadonlySet<ExecutionStatus> = new Set(['completed', 'error', 'cancelled']);
const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(['completed', 'error', 'skipped']);

/** True once an execution can no longer change status (accepts any string, e.g. from a stream). */
export function isTerminalExecutionStatus(status: ExecutionStatus | (string & {})): boolean {
  return TERMINAL_EXECUTION.has(status as ExecutionStatus);
}

/** True once a step can no longer change status (accepts any string, e.g. from a stream). */
export function isTerminalStepStatus(status: StepStatus | (string & {})): boolean {
  return TERMINAL_STEP.has(status as StepStatus);
}

/** The terminal step statuses, for database guards. */
export const TERMINAL_STEP_STATUSES = [...TERMINAL_STEP];
/** The terminal execution statuses, for database guards. */
export const TERMINAL_EXECUTION_STATUSES = [...TERMINAL_EXECUTION];

/** Credits are refunded for runs that end in these statuses. */
export function isRefundable(status: ExecutionStatus): boolean {
  return status === 'error' || status === 'cancelled';
}
