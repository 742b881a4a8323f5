/**
 * Credentials at rest (SMTP passwords, SMS API tokens): AES-256-GCM with a key derived
 * from the server secret (TENURE_SECRET) by scrypt. A sealed value reads
 * `v1.<key id>.<base64 of iv | tag | ciphertext>`; the key id (8 hex characters of an HMAC
 * of the key) tells "sealed under another server secret" apart from "tampered with".
 * `aad` binds a value to its place (workspace and channel), so a sealed password copied
 * into another workspace's row does not open there.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail, ok, type Err, type Failure, type Result } from '../lib/result.js';

/** A sealed value could not be opened: tampered with, truncated, or sealed under another secret. */
export type SecretFailure = Failure<'secret_unreadable'> & { reason: 'malformed' | 'other_key' | 'tampered' };

const unreadable = (reason: SecretFailure['reason'], message: string): Err<SecretFailure> => fail('secret_unreadable', message, { reason });

const SALT = 'tenure/secret-box/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens JSON values with one server secret. */
export class SecretBox {
  private readonly key: Buffer;
  /** Names the key without revealing it: stored with each sealed value. */
  readonly keyId: string;

  /** `secret`: the server secret (TENURE_SECRET or the generated one); at least 32 characters. */
  constructor(secret: string) {
    if (secret.length < 32) throw new RangeError('the server secret must be at least 32 characters');
    // scrypt (N=2^15): a short or guessable TENURE_SECRET is still costly to brute-force from a dump.
    this.key = scryptSync(secret, SALT, 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    this.keyId = createHmac('sha256', this.key).update('key id').digest('hex').slice(0, 8);
  }

  /** Encrypt `value` (any JSON) bound to `aad` (e.g. `workspace:3:email`). */
  seal(value: unknown, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `v1.${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  }

  /** Decrypt a value sealed with the same secret and `aad`; a failure otherwise (never a wrong value). */
  open(sealed: string, aad: string): Result<unknown, SecretFailure> {
    const m = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9+/]+={0,2})$/.exec(sealed);
    if (!m) return unreadable('malformed', 'the stored credential is not a sealed value (v1.<key id>.<data>)');
    if (m[1] !== this.keyId) {
      return unreadable(
        'other_key',
        `the stored credential was sealed under another server secret (key ${m[1]}, this server has ${this.keyId}): TENURE_SECRET changed; set it back, or enter the credential again`,
      );
    }
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) return unreadable('malformed', 'the stored credential is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return unreadable('tampered', 'the stored credential failed its integrity check (altered, or moved from another workspace or channel)');
    }
    return ok(JSON.parse(text) as unknown);
  }
}

/** Where the server secret came from, or why there is none. */
export type ServerSecret = Result<{ secret: string; source: 'env' | 'data_dir' | 'ephemeral'; path?: string }, Failure<'secret_unavailable'>>;

/** File in the PGlite data directory that holds the generated secret. */
export const SECRET_FILE = 'server-secret';

/**
 * The server secret for sealing credentials:
 * - TENURE_SECRET when set (any deployment; every process of one deployment must share it);
 * - else, with embedded PGlite, a random secret generated on first use and kept beside the
 *   database in `<data dir>/server-secret` (mode 0600): a laptop user sets nothing, and the
 *   secret travels with the data it protects (back both up together; losing the file only
 *   means entering the credentials again);
 * - else (PostgreSQL) none: several processes on several machines would each make their own
 *   and could not read each other's, so saving credentials is refused with a message that
 *   says to set TENURE_SECRET. Nothing else is affected (environment-variable providers work).
 * An in-memory PGlite (`memory://`, tests) gets a secret for this process only.
 */
export function resolveServerSecret(opts: { envSecret?: string; databaseUrl?: string; dataDir: string }): ServerSecret {
  if (opts.envSecret) return ok({ secret: opts.envSecret, source: 'env' });
  if (opts.databaseUrl) {
    return fail(
      'secret_unavailable',
      'TENURE_SECRET is not set: with PostgreSQL (DATABASE_URL) every Tenure process must share one server secret to read saved provider credentials. Set TENURE_SECRET (at least 32 characters, e.g. `openssl rand -hex 32`) on every process, or configure providers with SMTP_URL / SMS_API_URL.',
    );
  }
  if (opts.dataDir.startsWith('memory://')) return ok({ secret: randomBytes(32).toString('hex'), source: 'ephemeral' });
  const dir = resolve(opts.dataDir);
  const path = join(dir, SECRET_FILE);
  mkdirSync(dir, { recursive: true });
  try {
    // `wx`: only the first process to get here writes; a second one reads what it wrote.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(path, 0o600);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32)
    return fail(
      'secret_unavailable',
      `${path} holds no usable secret (fewer than 32 characters): delete it to have a new one made (saved credentials must then be entered again), or set TENURE_SECRET`,
    );
  return ok({ secret, source: 'data_dir', path });
}
