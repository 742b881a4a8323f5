/**
 * Webhooks: a signed JSON POST to a customer's endpoint. The signature is Stripe's
 * scheme, so receivers can reuse what they know: header `tenure-signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Several `v1` entries may
 * appear (while a secret is being rotated); a receiver accepts if any matches and the
 * timestamp is recent, which also defeats replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fetchFailure, httpFailure, type SendResult } from './send-result.js';

/** `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">` for one secret. `timestampSec` must be a whole number. */
export function signatureHeader(secret: string, timestampSec: number, body: string): string {
  if (!Number.isSafeInteger(timestampSec)) throw new RangeError(`timestampSec must be whole seconds, got ${timestampSec}`);
  return `t=${timestampSec},v1=${hmacHex(secret, timestampSec, body)}`;
}

/**
 * Whether `header` carries a valid signature of `body` under `secret`: its timestamp within
 * `toleranceSec` (default 300) of `nowSec` either way, and any of its `v1` values equal to
 * the expected HMAC (compared in constant time). Malformed headers are simply invalid.
 */
export function verifySignature(secret: string, header: string, body: string, opts: { toleranceSec?: number; nowSec: number }): boolean {
  let ts: number | null = null;
  const candidates: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,15}$/.test(value)) ts = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (ts === null || candidates.length === 0) return false;
  if (Math.abs(opts.nowSec - ts) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(hmacHex(secret, ts, body), 'hex');
  let match = false;
  // Every candidate is compared (no early exit), so timing does not reveal which one matched.
  for (const c of candidates) match = timingSafeEqual(expected, Buffer.from(c, 'hex')) || match;
  return match;
}

function hmacHex(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
}

/** One webhook delivery. */
export interface WebhookRequest {
  url: string;
  /** JSON text, sent byte for byte as signed. */
  body: string;
  secret: string;
  /** Sent as `idempotency-key`; the same for every retry of one event. */
  idempotencyKey: string;
  /** Whole request, response body included (default 10 s). */
  timeoutMs?: number;
  /** The signing time (and the clock an HTTP-date Retry-After is measured against). */
  nowSec: number;
}

/** Response bytes kept for the failure reason. */
const SNIPPET_BYTES = 512;

/**
 * POST a signed webhook. 2xx is delivered. 408, 429, 5xx, network errors and timeouts are
 * transient (Retry-After honoured); every other status is permanent, 410 Gone included
 * (the endpoint asks to be dropped). Redirects are not followed — a 3xx is permanent, so
 * an endpoint cannot bounce signed payloads to another host — and a URL that is not
 * http(s) is permanent too.
 */
export async function sendWebhook(req: WebhookRequest): Promise<SendResult> {
  const timeoutMs = req.timeoutMs ?? 10_000;
  if (!/^https?:$/.test(URL.canParse(req.url) ? new URL(req.url).protocol : '')) {
    return { ok: false, permanent: true, reason: `webhook URL is not http(s): ${req.url}` };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tenure-signature': signatureHeader(req.secret, req.nowSec, req.body),
        'idempotency-key': req.idempotencyKey,
        'user-agent': 'Tenure-Webhooks/1',
      },
      body: req.body,
      redirect: 'manual',
      signal,
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { ok: true, providerId: null };
    }
    const snippet = await readSnippet(res);
    if (res.status >= 300 && res.status < 400) {
      return { ok: false, permanent: true, reason: `HTTP ${res.status}: redirects are not followed (Location: ${res.headers.get('location') ?? '-'})` };
    }
    return httpFailure(res.status, snippet, res.headers.get('retry-after'), req.nowSec * 1000);
  } catch (err) {
    return fetchFailure(err, timeoutMs);
  }
}

/** The first SNIPPET_BYTES of the body as text, the rest discarded unread. */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}
