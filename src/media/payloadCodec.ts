// Temporal's claim-check pattern: a payload codec, shared by the client and the worker, that moves
// any payload over a threshold (a large HTTP body, a long text) into the payload blob store and
// puts a small reference in its place, so Temporal's 2 MB payload limit never fails a run and
// history stays small. Decoding fetches the bytes back. Media travels by explicit reference
// (MediaLibrary); this is the safety net for everything else.
import type { Payload, PayloadCodec } from '@temporalio/common';
// Default import: the package is CommonJS, whose named exports Node's ESM loader cannot see.
import proto from '@temporalio/proto';
import { MediaNotFound } from './errors';
import type { BlobStore } from './types';

/** The threshold the issue sets: payloads larger than 256 KB are offloaded. */
export const DEFAULT_OFFLOAD_THRESHOLD_BYTES = 256 * 1024;

/**
 * The largest payload kept or read back: workflow inputs, step outputs and mirror writes stay far
 * below it (media travels by reference), so a bigger one is a defect, not something to buffer.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** `encoding` metadata of a reference payload. */
export const CLAIM_CHECK_ENCODING = 'builder/claim-check';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Options of {@link createClaimCheckCodec}. */
export interface ClaimCheckOptions {
  /** The payload store (not the media store: gc keeps these by age, see README "Retention"). */
  store: BlobStore;
  thresholdBytes?: number;
  /** Largest payload stored or read back; bigger ones fail to encode or decode (default 64 MiB). */
  maxBytes?: number;
}

/** A PayloadCodec that offloads large payloads to a blob store. */
export function createClaimCheckCodec({ store, thresholdBytes = DEFAULT_OFFLOAD_THRESHOLD_BYTES, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES }: ClaimCheckOptions): PayloadCodec {
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return Promise.all(
        payloads.map(async (payload) => {
          if (payloadSize(payload) <= thresholdBytes) return payload;
          // The whole payload (metadata and data) is stored, so decode restores it exactly.
          const bytes = ProtoPayload.encode(payload).finish();
          const { sha256, sizeBytes } = await store.put(bytes, { mimeType: 'application/x-protobuf', maxBytes });
          return {
            metadata: { encoding: utf8.encode(CLAIM_CHECK_ENCODING), 'claim-check-size': utf8.encode(String(sizeBytes)) },
            data: utf8.encode(sha256),
          };
        }),
      );
    },

    async decode(payloads: Payload[]): Promise<Payload[]> {
      return Promise.all(
        payloads.map(async (payload) => {
          const encoding = payload.metadata?.encoding;
          if (!encoding || fromUtf8.decode(encoding) !== CLAIM_CHECK_ENCODING) return payload;
          const sha256 = fromUtf8.decode(payload.data ?? new Uint8Array());
          const chunks: Buffer[] = [];
          let size = 0;
          try {
            // Read back no more than the codec would ever have stored.
            for await (const chunk of await store.get(sha256)) {
              size += (chunk as Buffer).byteLength;
              if (size > maxBytes) throw new Error(`Offloaded Temporal payload ${sha256} is larger than ${maxBytes} bytes; refusing to read it.`);
              chunks.push(chunk as Buffer);
            }
          } catch (err) {
            if (err instanceof MediaNotFound) {
              throw new Error(`Offloaded Temporal payload ${sha256} is gone from the payload store (removed by media:gc or never written).`);
            }
            throw err;
          }
          return ProtoPayload.decode(Buffer.concat(chunks)) as Payload;
        }),
      );
    },
  };
}

function payloadSize(payload: Payload): number {
  let size = payload.data?.byteLength ?? 0;
  for (const [key, value] of Object.entries(payload.metadata ?? {})) size += key.length + (value?.byteLength ?? 0);
  return size;
}
