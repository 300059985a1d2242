// Bodies of the Temporal remote codec endpoint (/api/temporal-codec/encode and /decode): Temporal's
// remote codec protocol, as the Web UI and `temporal --codec-endpoint` speak it.
import { z } from 'zod';

const base64 = z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** One payload in the protocol's JSON form: metadata values and data in base64. */
export const codecPayloadSchema = z.object({
  metadata: z.record(z.string().max(200), base64).optional().nullable(),
  data: base64.optional().nullable(),
});

/** Request and answer of both routes. */
export const codecBodySchema = z.object({
  payloads: z.array(codecPayloadSchema).max(10_000).describe('Payloads as Temporal JSON: `{ metadata: { encoding: <base64>, … }, data: <base64> }`.'),
});
export type CodecBody = z.infer<typeof codecBodySchema>;
