// Media ids and references: `med_<sha256>`, and how a stored reference is recognised in any JSON.
import type { StoredMediaRef } from './types';

const MEDIA_ID = /^med_[0-9a-f]{64}$/;

/** The media id of a blob: `med_<sha256>`. */
export function mediaIdOf(sha256: string): string {
  return `med_${sha256}`;
}

/** The sha256 of a well-formed media id, or undefined. */
export function sha256OfMediaId(mediaId: string): string | undefined {
  return MEDIA_ID.test(mediaId) ? mediaId.slice(4) : undefined;
}

/** True for an object shaped like a stored media reference (a string `med_…` mediaId and a sha256). */
export function isStoredMediaRef(value: unknown): value is StoredMediaRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { mediaId, sha256 } = value as Record<string, unknown>;
  return typeof mediaId === 'string' && mediaId.startsWith('med_') && typeof sha256 === 'string';
}

/** Every media id referenced anywhere in a JSON value (deduplicated, in order of appearance). */
export function collectMediaIds(value: unknown, into: Set<string> = new Set()): string[] {
  // Iterative, in document order: a deeply nested output cannot overflow the call stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isStoredMediaRef(item)) into.add(item.mediaId);
    if (typeof item !== 'object' || item === null) continue;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return [...into];
}
