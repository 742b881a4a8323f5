/**
 * Webhook signatures of the helpdesks, checked over the raw body:
 *
 * | kind     | headers | signed string | digest |
 * |----------|---------|---------------|--------|
 * | chatwoot | X-Chatwoot-Signature, X-Chatwoot-Timestamp (unix seconds), X-Chatwoot-Delivery | `<timestamp>.<body>` | `sha256=<hex HMAC-SHA256>` (Chatwoot's lib/webhooks/trigger.rb) |
 * | zendesk  | X-Zendesk-Webhook-Signature, X-Zendesk-Webhook-Signature-Timestamp (ISO 8601) | `<timestamp><body>` | base64 HMAC-SHA256 |
 * | generic  | X-Tenure-Signature, X-Tenure-Timestamp (unix seconds) | `<timestamp>.<body>` | `sha256=<hex HMAC-SHA256>`; or `Authorization: Bearer <secret>` for tools that can only send a fixed header |
 *
 * A timestamp further than REPLAY_WINDOW_MS from now (either way) is refused: a captured
 * delivery cannot be replayed later. Comparisons are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HelpdeskKind } from '../../contracts/support.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

/** How far a signed timestamp may be from the receiver's clock. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

/** Why a delivery's signature was refused (stored as the delivery's reason code). */
export type SignatureFailure = Failure<'webhook_signature_invalid' | 'webhook_timestamp_stale'>;

export type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hmac = (secret: string, ...parts: Array<string | Buffer>) => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h;
};

/** Chatwoot's and the generic receiver's signature: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function hexSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${hmac(secret, `${timestamp}.`, body).digest('hex')}`;
}

/** Zendesk's signature: base64 HMAC-SHA256 of `<timestamp><body>`. */
export function zendeskSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return hmac(secret, timestamp, body).digest('base64');
}

function fresh(at: number, now: Date, name: string): Result<Date, SignatureFailure> {
  if (!Number.isFinite(at)) return fail('webhook_timestamp_stale', `${name} is not a valid time`);
  if (Math.abs(now.getTime() - at) > REPLAY_WINDOW_MS) {
    return fail(
      'webhook_timestamp_stale',
      `${name} is ${Math.round(Math.abs(now.getTime() - at) / 1000)} s away from this server's clock (at most ${REPLAY_WINDOW_MS / 1000} s): a replayed delivery, or a clock to set right`,
    );
  }
  return ok(new Date(at));
}

/**
 * Check a delivery's signature; the signed time when there is one (null for a bearer
 * secret). `secret` is the connection's signing secret.
 */
export function verifySignature(kind: HelpdeskKind, secret: string, headers: Headers, body: Buffer, now: Date): Result<Date | null, SignatureFailure> {
  if (kind === 'zendesk') {
    const sig = header(headers, 'x-zendesk-webhook-signature');
    const ts = header(headers, 'x-zendesk-webhook-signature-timestamp');
    if (!sig || !ts) return fail('webhook_signature_invalid', 'missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp');
    if (!same(sig, zendeskSignature(secret, ts, body)))
      return fail('webhook_signature_invalid', 'X-Zendesk-Webhook-Signature does not match the body: check the signing secret saved for this connection');
    return fresh(Date.parse(ts), now, 'X-Zendesk-Webhook-Signature-Timestamp');
  }
  const [sigName, tsName] = kind === 'chatwoot' ? ['x-chatwoot-signature', 'x-chatwoot-timestamp'] : ['x-tenure-signature', 'x-tenure-timestamp'];
  const sig = header(headers, sigName);
  const ts = header(headers, tsName);
  if (kind === 'generic' && !sig) {
    const auth = header(headers, 'authorization');
    if (auth?.startsWith('Bearer ') && same(auth.slice(7).trim(), secret)) return ok(null);
    return fail('webhook_signature_invalid', auth ? 'the bearer secret does not match this connection' : 'missing X-Tenure-Signature (or Authorization: Bearer <secret>)');
  }
  const display = kind === 'chatwoot' ? 'X-Chatwoot-Signature' : 'X-Tenure-Signature';
  if (!sig || !ts) return fail('webhook_signature_invalid', `missing ${display} or its timestamp header`);
  if (!/^\d{1,12}$/.test(ts)) return fail('webhook_timestamp_stale', `the timestamp header must be unix seconds, got "${ts.slice(0, 40)}"`);
  if (!same(sig, hexSignature(secret, ts, body))) return fail('webhook_signature_invalid', `${display} does not match the body: check the secret saved for this connection`);
  return fresh(Number(ts) * 1000, now, 'the signed timestamp');
}

/** The tool's id of a delivery, from its headers (Chatwoot; Zendesk's ids are in the body). */
export function deliveryIdHeader(kind: HelpdeskKind, headers: Headers): string | undefined {
  if (kind === 'chatwoot') return header(headers, 'x-chatwoot-delivery');
  if (kind === 'generic') return header(headers, 'x-tenure-delivery');
  return undefined;
}
