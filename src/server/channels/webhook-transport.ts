/**
 * Webhooks: a signed JSON POST to a customer's endpoint. The signature is Stripe's
 * scheme, so receivers can reuse what they know: header `tenure-signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Several `v1` entries may
 * appear (while a secret is being rotated); a receiver accepts if any matches and the
 * timestamp is recent, which also defeats replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { DestinationRefused, destinationPolicy, type DestinationPolicy } from './destinations.js';
import { ok } from '../lib/result.js';
import { fetchFailure, httpFailure, sendFailure, type SendResult } from './send-result.js';

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

/**
 * POST a signed webhook. 2xx is delivered. 408, 429, 5xx, network errors and timeouts are
 * transient (Retry-After honoured); every other status is permanent, 410 Gone included
 * (the endpoint asks to be dropped). Redirects are not followed — a 3xx is permanent, so
 * an endpoint cannot bounce signed payloads to another host (nor to an internal one) — and
 * a URL that is not http(s) is permanent too.
 *
 * Destinations go through `policy` (default: internal networks refused): an IP literal
 * before any connection, a host name on every address it resolves to, inside the socket's
 * lookup (so DNS rebinding cannot slip past). A refusal is permanent. The response body is
 * never read: a failure's reason is the status line alone (`HTTP 500 Internal Server
 * Error`, the standard phrase, not the receiver's), so nothing an internal service says
 * reaches the admin API.
 */
export async function sendWebhook(req: WebhookRequest, policy: DestinationPolicy = DEFAULT_POLICY): Promise<SendResult> {
  const timeoutMs = req.timeoutMs ?? 10_000;
  const url = URL.canParse(req.url) ? new URL(req.url) : null;
  if (!url || !/^https?:$/.test(url.protocol)) {
    return sendFailure(`webhook URL is not http(s): ${req.url.slice(0, 200)}`, true);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    const refused = policy.refusal(host, host);
    if (refused) return sendFailure(refused, true);
  }
  const body = Buffer.from(req.body);
  try {
    const res = await post(url, {
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.byteLength),
        'tenure-signature': signatureHeader(req.secret, req.nowSec, req.body),
        'idempotency-key': req.idempotencyKey,
        'user-agent': 'Tenure-Webhooks/1',
      },
      body,
      lookup: policy.lookup,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status >= 200 && res.status < 300) return ok({ providerId: null });
    if (res.status >= 300 && res.status < 400) {
      return sendFailure(`${statusLine(res.status)}: redirects are not followed${res.location ? ` (to ${originOf(res.location)})` : ''}`, true);
    }
    return { ...httpFailure(res.status, '', res.retryAfter, req.nowSec * 1000), message: statusLine(res.status) };
  } catch (err) {
    if (err instanceof DestinationRefused) return sendFailure(err.message, true);
    return fetchFailure(err, timeoutMs);
  }
}

/** A sender bound to one destination policy (what `Senders.webhook` holds). */
export function webhookSender(policy: DestinationPolicy = DEFAULT_POLICY): (req: WebhookRequest) => Promise<SendResult> {
  return (req) => sendWebhook(req, policy);
}

const DEFAULT_POLICY = destinationPolicy();

/** `HTTP 500 Internal Server Error`: the code and its standard phrase. */
function statusLine(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `HTTP ${status} ${phrase}` : `HTTP ${status}`;
}

/** The scheme and host of a redirect target (no path or query, which may carry anything), at most 80 characters. */
function originOf(location: string): string {
  try {
    return new URL(location).origin.slice(0, 80);
  } catch {
    return 'an invalid URL';
  }
}

/**
 * One POST on a fresh connection (no pooled socket: each request's address is checked by
 * its own lookup). Resolves with the status and the headers used, as soon as they arrive;
 * the body is discarded unread.
 */
function post(
  url: URL,
  opts: { headers: Record<string, string>; body: Buffer; lookup: LookupFunction; signal: AbortSignal },
): Promise<{ status: number; location: string | undefined; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers: opts.headers, agent: false, lookup: opts.lookup, signal: opts.signal }, (res) => {
      const retry = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, location: res.headers.location, retryAfter: typeof retry === 'string' ? retry : null });
      res.destroy();
      request.destroy();
    });
    request.on('error', reject);
    request.end(opts.body);
  });
}
