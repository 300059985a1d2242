// The payload codecs of every Temporal client and worker of ours, in one place so they always
// match: encryption first (when keys are set), then the claim-check offload. Temporal encodes
// through the list in order and decodes in reverse, so offloaded blobs hold ciphertext.
import type { PayloadCodec } from '@temporalio/common';
import { createEncryptionCodec, type EncryptionKey } from './encryptionCodec';
import { createClaimCheckCodec } from './payloadCodec';
import type { BlobStore } from './types';

/** The codecs for a payload store and (optionally) encryption keys. */
export function payloadCodecsFor(store: BlobStore, keys: readonly EncryptionKey[] = []): PayloadCodec[] {
  return [...(keys.length > 0 ? [createEncryptionCodec(keys)] : []), createClaimCheckCodec({ store })];
}
