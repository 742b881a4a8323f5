/**
 * Senders per workspace: the provider an admin saved in Settings for a channel, else the
 * server's (environment variables), else the outbox. Read on every dispatch batch that has
 * messages, with transports kept while the row's `updated_at` stays the same: a provider
 * saved by any process is used from the next batch on, without a restart.
 */
import type { Queryable } from '../db/client.js';
import type { Logger } from '../log.js';
import type { Senders } from './dispatcher.js';
import { createEmailTransport, type EmailTransport } from './email-transport.js';
import { listProviders, openProvider, type OpenProvider, type ProviderRow } from './providers.repo.js';
import type { SecretBox } from './secret-box.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { sendFailure, type SendFailure, type SendResult } from './send-result.js';
import { createSmsTransport } from './sms-transport.js';

type EmailSender = NonNullable<Senders['email']>;
type SmsSender = NonNullable<Senders['sms']>;

/** The email transport of a saved SMTP provider. */
export function smtpTransport(p: Extract<OpenProvider, { channel: 'email' }>, opts: { maxConnections?: number; timeoutMs?: number } = {}): EmailTransport {
  const s = p.settings;
  return createEmailTransport({
    server: {
      host: s.host,
      port: s.port,
      secure: s.security === 'tls',
      ...(s.security === 'starttls' ? { requireTLS: true } : {}),
      ...(s.security === 'none' ? { ignoreTLS: true } : {}),
      ...(s.username !== null ? { auth: { user: s.username, pass: p.password ?? '' } } : {}),
    },
    from: s.from,
    maxConnections: opts.maxConnections,
    timeoutMs: opts.timeoutMs,
  });
}

/** The SMS transport of a saved SMS API provider. */
export function smsApiTransport(p: Extract<OpenProvider, { channel: 'sms' }>, opts: { timeoutMs?: number } = {}): SmsSender {
  return createSmsTransport({ baseUrl: p.settings.apiUrl, accountSid: p.settings.accountSid, authToken: p.authToken, from: p.settings.from, timeoutMs: opts.timeoutMs });
}

/** A channel whose saved provider cannot be used (its secret does not open): every send fails, transiently, saying why. */
function unusable(reason: string): EmailSender & SmsSender {
  const failure: SendFailure = sendFailure(reason, false);
  return { send: async () => failure };
}

interface Cached {
  version: string;
  sender: EmailSender | SmsSender;
  close?: () => void;
}

/** Saved providers turned into transports, per workspace and channel. */
export class WorkspaceProviders {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly box: SecretBox | null,
    private readonly opts: { log?: Logger; smtpPoolSize?: number } = {},
  ) {}

  /** `base` with the channels this workspace has saved providers for replaced by them. */
  async sendersFor(db: Queryable, workspaceId: number, base: Senders): Promise<Senders> {
    const rows = await listProviders(db, workspaceId);
    const out: Senders = { ...base };
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${workspaceId}:${row.channel}`;
      seen.add(key);
      const version = `${row.kind}:${new Date(row.updatedAt).toISOString()}`;
      let hit = this.cache.get(key);
      if (!hit || hit.version !== version) {
        hit?.close?.();
        hit = { version, ...this.build(workspaceId, row) };
        this.cache.set(key, hit);
      }
      if (row.channel === 'email') {
        out.email = hit.sender as EmailSender;
        out.emailFrom = row.settings.from;
      } else {
        out.sms = hit.sender as SmsSender;
      }
    }
    for (const [key, c] of this.cache) {
      if (key.startsWith(`${workspaceId}:`) && !seen.has(key)) {
        c.close?.();
        this.cache.delete(key);
      }
    }
    return out;
  }

  private build(workspaceId: number, row: ProviderRow): Omit<Cached, 'version'> {
    const opened = openProvider(this.box, workspaceId, row);
    if (!opened.ok) {
      this.opts.log?.warn({ workspaceId, channel: row.channel }, `messaging provider not usable: ${opened.message}`);
      return { sender: unusable(opened.message) };
    }
    const p = opened.value;
    if (p.channel === 'email') {
      const t = smtpTransport(p, { maxConnections: this.opts.smtpPoolSize });
      return { sender: t, close: () => t.close() };
    }
    return { sender: smsApiTransport(p) };
  }

  /** Close every pooled connection. */
  close(): void {
    for (const c of this.cache.values()) c.close?.();
    this.cache.clear();
  }
}

/** `base` (the server's senders) with each workspace's saved providers taking precedence, looked up per dispatch batch. */
export function withWorkspaceProviders<S extends Senders>(base: S, providers: WorkspaceProviders): S {
  return { ...base, forWorkspace: (db: Queryable, workspaceId: number) => providers.sendersFor(db, workspaceId, base) };
}

/** Why a test send failed, in words, with the provider's code. */
export type TestFailure = Failure<'provider_auth_failed' | 'provider_unreachable' | 'provider_timeout' | 'provider_rejected' | 'provider_error'>;

/** A test send's outcome in words: what went out, or why it did not. */
export type TestOutcome = Result<{ message: string; providerId: string | null }, TestFailure>;

/**
 * Send one test message through a saved provider (a fresh connection, closed after), within
 * `timeoutMs` overall: SMTP connect, greeting, login and the message, or the SMS API's answer.
 */
export async function sendTest(p: OpenProvider, to: string, opts: { timeoutMs?: number; now?: Date } = {}): Promise<TestOutcome> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const at = (opts.now ?? new Date()).toISOString();
  let result: SendResult;
  let target: string;
  let stop = () => {};
  if (p.channel === 'email') {
    target = `${p.settings.host}:${p.settings.port}`;
    const t = smtpTransport(p, { maxConnections: 1, timeoutMs: Math.min(10_000, timeoutMs) });
    stop = () => t.close();
    const sending = t.send({
      to,
      subject: 'Tenure test message',
      text: `This is a test message from Tenure, sent ${at} through ${target}. Your SMTP settings work: journeys' emails will go out this way.`,
      messageId: `tenure-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@tenure`,
    });
    result = await withTimeout(sending, timeoutMs);
  } else {
    target = new URL(p.settings.apiUrl).host;
    const t = smsApiTransport(p, { timeoutMs });
    result = await t.send({ to, body: `Tenure test message (${at}): your SMS settings work.`, idempotencyKey: `tenure-test-${Date.now()}` });
  }
  stop();
  const secret = p.channel === 'email' ? p.password : p.authToken;
  if (result.ok) {
    const { providerId } = result.value;
    return ok({ message: `Sent to ${to} through ${target}${providerId ? ` (provider id ${providerId})` : ''}.`, providerId });
  }
  const { code, message } = describeFailure(p.channel, target, scrub(result.message, secret), result.permanent);
  return fail(code, message);
}

const TIMED_OUT: SendFailure = sendFailure('timeout: no answer in time', false);

async function withTimeout(p: Promise<SendResult>, ms: number): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<SendResult>((resolve) => (timer = setTimeout(() => resolve({ ...TIMED_OUT, message: `timeout: no answer within ${Math.round(ms / 1000)} s` }), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A secret never appears in what is shown or logged, even if a server echoed it. */
function scrub(text: string, secret: string | null): string {
  return secret && secret.length >= 3 ? text.split(secret).join('•••') : text;
}

/** The code and the sentence for a failed test send. */
export function describeFailure(channel: 'email' | 'sms', target: string, reason: string, permanent: boolean): TestFailure {
  if (channel === 'email') {
    if (/authentication failed|EAUTH|Invalid login/i.test(reason))
      return { code: 'provider_auth_failed', message: `SMTP authentication failed at ${target}: the server refused the user name or password (${reason}).` };
    if (/ECONNREFUSED/.test(reason)) return { code: 'provider_unreachable', message: `Connection refused by ${target}: nothing accepts SMTP connections there (check the host and port).` };
    if (/ENOTFOUND|EAI_AGAIN|EDNS/.test(reason)) return { code: 'provider_unreachable', message: `The host of ${target} was not found (DNS): check the host name.` };
    if (/ETIMEDOUT|timeout|timed out/i.test(reason))
      return { code: 'provider_timeout', message: `No answer from ${target} in time (${reason}): the host may be unreachable from this server, or a firewall drops the connection.` };
    if (/ETLS|certificate|TLS|SSL/i.test(reason))
      return { code: 'provider_unreachable', message: `The TLS connection to ${target} failed (${reason}): check the security setting (TLS on 465, STARTTLS on 587).` };
    if (/ECONN|ESOCKET|ECONNRESET|EHOSTUNREACH|ENETUNREACH/.test(reason)) return { code: 'provider_unreachable', message: `Could not talk to ${target}: ${reason}.` };
    if (permanent) return { code: 'provider_rejected', message: `${target} refused the test message: ${reason}.` };
    return { code: 'provider_error', message: `The test message did not go out through ${target}: ${reason}.` };
  }
  if (/^HTTP 401|^HTTP 403|code 20003/.test(reason)) return { code: 'provider_auth_failed', message: `The SMS API at ${target} refused the account id or auth token (${reason}).` };
  if (/timed out|timeout/i.test(reason)) return { code: 'provider_timeout', message: `No answer from the SMS API at ${target} in time (${reason}).` };
  if (!/^HTTP \d/.test(reason)) return { code: 'provider_unreachable', message: `Could not reach the SMS API at ${target}: ${reason}.` };
  if (permanent) return { code: 'provider_rejected', message: `The SMS API at ${target} refused the test message: ${reason}.` };
  return { code: 'provider_error', message: `The SMS API at ${target} did not take the test message: ${reason}.` };
}
