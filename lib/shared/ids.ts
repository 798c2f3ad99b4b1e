import { randomBytes } from 'node:crypto';

// Crockford base32 without the look-alikes: short, typeable, and case-insensitive in practice.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A random id such as `t-4k9x2mq7ab3c`. Counters collide across branches and machines; 60 random bits
 * make a collision among a million ids about a one-in-two-million event.
 */
export function newId(prefix: string, length = 12): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! & 31];
  return `${prefix}-${out}`;
}
