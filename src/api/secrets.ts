// Comparing a secret a caller sent with the one expected, in constant time.
import { timingSafeEqual } from 'node:crypto';

/** True when `given` equals `expected`, compared without leaking where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
