import { createHash, randomBytes } from 'node:crypto';

/** Keys are random and long, so a fast hash is enough; only the hash is stored. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: `tw_` for write keys (ingestion), `ta_` for admin keys. */
export function generateKey(kind: 'write' | 'admin'): string {
  return `${kind === 'write' ? 'tw' : 'ta'}_${randomBytes(24).toString('base64url')}`;
}
