/**
 * SMS through a Twilio-compatible REST API (Twilio itself, or any provider or test double
 * speaking the same `Messages.json` dialect). One POST per message, carrying the
 * idempotency key in `I-Twilio-Idempotency-Token` so a retried send is not sent twice.
 */
import { ok } from '../lib/result.js';
import { fetchFailure, httpFailure, type SendResult } from './send-result.js';

/** Where and as whom to send. */
export interface SmsTransportOptions {
  /** API origin, e.g. `https://api.twilio.com` (no trailing path). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 number, short code or messaging service id. */
  from: string;
  /** Whole request, response body included (default 10 s). */
  timeoutMs?: number;
}

/** One text message. */
export interface SmsMessage {
  /** E.164, e.g. `+15551234567`. */
  to: string;
  body: string;
  idempotencyKey: string;
}

/** An SMS sender. */
export interface SmsTransport {
  send(msg: SmsMessage): Promise<SendResult>;
}

/** Twilio error codes meaning the number can never receive SMS: 21211 invalid 'To', 21614 not a mobile number. */
const BOUNCE_CODES = new Set([21211, 21614]);

/**
 * Create the transport (stateless: nothing is opened until a send). A `baseUrl` that is
 * not an http(s) URL is a configuration bug and throws here, at startup.
 */
export function createSmsTransport(opts: SmsTransportOptions): SmsTransport {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  if (!/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : '')) throw new TypeError(`SMS API base URL must be http(s): ${opts.baseUrl}`);
  const authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;

  return {
    async send(msg) {
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'i-twilio-idempotency-token': msg.idempotencyKey,
          },
          body: new URLSearchParams({ To: msg.to, From: opts.from, Body: msg.body }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        text = await res.text();
      } catch (err) {
        return fetchFailure(err, timeoutMs);
      }
      const json = parseJson(text);
      if (status >= 200 && status < 300) {
        return ok({ providerId: typeof json?.sid === 'string' ? json.sid : null });
      }
      const code = typeof json?.code === 'number' ? json.code : typeof json?.code === 'string' ? Number(json.code) : undefined;
      const message = typeof json?.message === 'string' ? json.message : json ? '' : text.slice(0, 200).trim();
      const detail = [code !== undefined && !Number.isNaN(code) ? `code ${code}` : '', message].filter(Boolean).join(' ');
      const failure = httpFailure(status, detail, retryAfter, Date.now());
      return failure.permanent && code !== undefined && BOUNCE_CODES.has(code) ? { ...failure, bounce: true } : failure;
    },
  };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
