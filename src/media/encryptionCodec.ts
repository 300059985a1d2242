// Payload encryption: an AES-256-GCM PayloadCodec shared by the client and the worker, so Temporal's
// history (readable by anyone with UI access) holds ciphertext, never inputs, outputs or HTTP node
// headers. It runs before the claim-check codec (see payloadCodecs.ts), so offloaded blobs are
// ciphertext too. Each payload names the key that encrypted it: keys rotate by putting the new one
// first in PAYLOAD_ENCRYPTION_KEYS and keeping the old ones for decoding. Payloads written before
// encryption was turned on decode as they are (the recorded histories of earlier releases do).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// Default import: the package is CommonJS, whose named exports Node's ESM loader cannot see.
import proto from '@temporalio/proto';

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';

/** A key and the id payloads name it by. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Thrown for a key setting that cannot be used; the message names the variable. */
export class EncryptionKeyInvalid extends Error {
  override readonly name = 'EncryptionKeyInvalid';
}

/** Thrown when a payload names a key this process does not have. */
export class EncryptionKeyUnknown extends Error {
  override readonly name = 'EncryptionKeyUnknown';
  constructor(readonly keyId: string) {
    super(`A Temporal payload is encrypted with key "${keyId}", which is not among PAYLOAD_ENCRYPTION_KEYS/PAYLOAD_ENCRYPTION_KEY: add it back to decode it.`);
  }
}

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The keys from PAYLOAD_ENCRYPTION_KEYS (`keyId:base64,…`, the first one encrypts) or
 * PAYLOAD_ENCRYPTION_KEY (one base64 key, named by the first 8 hex digits of its SHA-256); none: [].
 */
export function parseEncryptionKeys(settings: { key?: string | undefined; keys?: string | undefined }): EncryptionKey[] {
  const decode = (variable: string, raw: string): Buffer => {
    const key = Buffer.from(raw.trim(), 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')) {
      throw new EncryptionKeyInvalid(`${variable} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`).`);
    }
    return key;
  };
  if (settings.keys?.trim()) {
    const keys = settings.keys.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
      const colon = entry.indexOf(':');
      const id = entry.slice(0, colon).trim();
      if (colon < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new EncryptionKeyInvalid('PAYLOAD_ENCRYPTION_KEYS entries are `keyId:base64` (key ids: letters, digits, . _ -).');
      return { id, key: decode(`PAYLOAD_ENCRYPTION_KEYS (key "${id}")`, entry.slice(colon + 1)) };
    });
    if (new Set(keys.map((key) => key.id)).size !== keys.length) throw new EncryptionKeyInvalid('PAYLOAD_ENCRYPTION_KEYS names a key id twice.');
    return keys;
  }
  if (settings.key?.trim()) {
    const key = decode('PAYLOAD_ENCRYPTION_KEY', settings.key);
    return [{ id: createHash('sha256').update(key).digest('hex').slice(0, 8), key }];
  }
  return [];
}

/** A PayloadCodec that encrypts every payload with the first key and decrypts with whichever key a payload names. */
export function createEncryptionCodec(keys: readonly EncryptionKey[]): PayloadCodec {
  const [current] = keys;
  if (!current) throw new EncryptionKeyInvalid('The encryption codec needs at least one key.');
  const byId = new Map(keys.map((key) => [key.id, key.key]));
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', current.key, iv);
        // The key id is authenticated: a payload cannot be moved under another key's name.
        cipher.setAAD(utf8.encode(current.id));
        const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
        return {
          metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), 'encryption-cipher': utf8.encode('AES-256-GCM'), 'encryption-key-id': utf8.encode(current.id) },
          data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
        };
      });
    },

    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const encoding = payload.metadata?.encoding;
        if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const keyId = fromUtf8.decode(payload.metadata?.['encryption-key-id'] ?? new Uint8Array());
        const key = byId.get(keyId);
        if (!key) throw new EncryptionKeyUnknown(keyId);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(utf8.encode(keyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return ProtoPayload.decode(plain) as Payload;
      });
    },
  };
}
