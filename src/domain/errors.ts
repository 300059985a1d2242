// Errors raised by pure domain code. Each carries a stable code and the details a user needs.

/** Codes of planning failures: the graph cannot be run as drawn. */
export type PlanErrorCode =
  | 'INVALID_GRAPH'
  | 'UNKNOWN_NODE'
  | 'UNKNOWN_NODE_TYPE'
  | 'NOT_EXECUTABLE'
  | 'DANGLING_EDGE'
  | 'UNKNOWN_PORT'
  | 'CYCLE'
  | 'MISSING_REQUIRED_INPUT'
  | 'UNKNOWN_MODEL'
  | 'INVALID_CONFIG'
  | 'NO_TARGET'
  | 'INVALID_RETRY_POLICY';

/** Thrown when a graph cannot be planned; nothing has run. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly code: PlanErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One failing input field. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Thrown when run inputs do not match the Request Input fields. */
export class InputValidationError extends Error {
  override readonly name = 'InputValidationError';
  constructor(
    message: string,
    readonly fields: FieldIssue[],
  ) {
    super(message);
  }
}
