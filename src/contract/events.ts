// Every event of `GET /api/executions/:id/events` (Server-Sent Events): the `event:` name is the
// type, the `data:` line the JSON data. Stored events are written by the mirror and the settle
// paths through appendEvents(), typed by this union.
import { z } from 'zod';
import { attemptErrorSchema, runErrorSchema, stepWaitpointSchema, waitpointSchema } from './executions';
import { executionStatusSchema, stepStatusSchema } from './statuses';

const event = <T extends string, D extends z.ZodType>(type: T, data: D, description: string) =>
  z.object({ type: z.literal(type), data }).meta({ description });

/** `run.status`: the run changed status. */
export const runStatusEventSchema = event(
  'run.status',
  z.object({ status: executionStatusSchema, error: runErrorSchema.optional(), waitingOn: z.array(waitpointSchema).optional() }),
  'The run changed status.',
);

/** `run.end`: the run settled; the stream closes after it. */
export const runEndEventSchema = event(
  'run.end',
  z.object({
    status: executionStatusSchema,
    output: z.unknown(),
    error: runErrorSchema.optional(),
    durationMs: z.number().int().nullable(),
    creditsUsed: z.number().int().optional(),
    creditsRefunded: z.number().int().optional(),
  }),
  'The run settled (completed, error or cancelled); the stream closes after this event.',
);

/** `step.status`: a step changed status (and its attempt, error, waitpoint). */
export const stepStatusEventSchema = event(
  'step.status',
  z.object({
    stepId: z.string(),
    status: stepStatusSchema,
    attempt: z.number().int().optional().describe('The attempt that started (status `running`).'),
    attempts: z.number().int().optional(),
    error: runErrorSchema.optional(),
    waitingOn: stepWaitpointSchema.optional(),
    reused: z.boolean().optional(),
  }),
  'A step changed status.',
);

/** `step.token`: streamed text of a Text Generation step. */
export const stepTokenEventSchema = event(
  'step.token',
  z.object({ stepId: z.string(), token: z.string(), attempt: z.number().int(), offset: z.number().int().describe('Characters into the attempt’s text.') }),
  'Streamed text of a step (Text Generation).',
);

/** `step.attempt_failed`: one attempt of a step failed (a retry may follow). */
export const stepAttemptFailedEventSchema = event(
  'step.attempt_failed',
  attemptErrorSchema.extend({ stepId: z.string() }),
  'One attempt of a step failed; a retry may follow.',
);

/** One stored live event of a run. */
export const liveEventSchema = z
  .discriminatedUnion('type', [runStatusEventSchema, runEndEventSchema, stepStatusEventSchema, stepTokenEventSchema, stepAttemptFailedEventSchema])
  .meta({ id: 'LiveEvent' });
export type LiveEvent = z.infer<typeof liveEventSchema>;
export type LiveEventType = LiveEvent['type'];

/** `error`: the stream itself failed (not stored); reconnect with Last-Event-ID. */
export const streamErrorEventSchema = event('error', z.object({ message: z.string() }), 'The stream failed; reconnect with Last-Event-ID.');

/** Every event the SSE stream can send. */
export const sseEventSchema = z.discriminatedUnion('type', [...liveEventSchema.options, streamErrorEventSchema]).meta({ id: 'SseEvent' });
export type SseEvent = z.infer<typeof sseEventSchema>;
