/**
 * What the audit log must never hold: secrets. Every `before` and `after` passes through
 * `redact` on its way in (audit.repo.ts), so a route forgotten in the table or a reader that
 * returns too much still leaves no secret behind.
 *
 * A field is replaced by REDACTED when its name (case and `_`/`-` ignored) ends in secret,
 * password, token, credentials, apikey, writekey, adminkey, privatekey, authorization, cookie,
 * csrf, hash, signature or link(s); a field named `key` holding anything but a short
 * identifier (a stage or measure key such as `retention`) is replaced too. Booleans stay
 * (`hasSecret: true` says a secret is set without saying it). Any string that
 * looks like a Tenure key (`ta_…`, `tw_…`, `tk_…`) is replaced wherever it is, and the user
 * and password of a URL (`https://user:pass@host`) are dropped.
 */
export const REDACTED = '[redacted]';

const SECRET_NAME = /(secret|secrets|password|passwd|pwd|token|tokens|credential|credentials|apikey|writekey|adminkey|privatekey|authorization|cookie|cookies|csrf|hash|signature|link|links)$/;
const IDENTIFIER = /^[a-z][a-z0-9_]{0,39}$/;
const TENURE_KEY = /\bt[a-z]_[A-Za-z0-9_-]{16,}/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

function secretName(name: string, value: unknown): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (n === 'key') return typeof value === 'string' && !(IDENTIFIER.test(value) && value.length <= 24);
  return SECRET_NAME.test(n);
}

function scrubString(s: string): string {
  return s.replace(TENURE_KEY, REDACTED).replace(URL_USERINFO, '$1');
}

/** A copy of `value` (plain JSON) with every secret replaced; dates become ISO strings. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (depth > 40) return REDACTED;
  if (typeof value === 'string') return scrubString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function') continue;
      out[k] = secretName(k, v) && v !== null && typeof v !== 'boolean' ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return null;
}
