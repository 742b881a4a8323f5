/**
 * Email over SMTP with nodemailer's connection pool: a handful of long-lived connections
 * carry many messages each, so a send costs one MAIL/RCPT/DATA exchange, not a TCP + TLS
 * + EHLO + AUTH handshake. Every failure nodemailer reports becomes a SendResult:
 * 5xx permanent (a 550/551/553/554 on RCPT is a hard bounce), 4xx and connection
 * trouble transient.
 */
import net from 'node:net';
import nodemailer from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { ok } from '../lib/result.js';
import { sendFailure, type SendFailure, type SendResult } from './send-result.js';

/** How to reach the SMTP server. */
export interface EmailTransportOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (implicit TLS); query options as nodemailer reads them. */
  url?: string;
  /** Instead of `url`: the server as separate settings (a provider saved in Settings; no password in a URL). */
  server?: { host: string; port: number; secure: boolean; requireTLS?: boolean; ignoreTLS?: boolean; auth?: { user: string; pass: string } };
  /** Default From address, e.g. `"Acme" <hello@acme.test>`. */
  from: string;
  /** Pooled connections at most (default 5). */
  maxConnections?: number;
  /** Messages per connection before it is replaced (default 1000). */
  maxMessages?: number;
  /** Connect and greeting timeout in ms (default 10 s); an idle socket times out after 6× this. */
  timeoutMs?: number;
}

/** One email. */
export interface EmailMessage {
  to: string;
  /** Overrides the transport's From. */
  from?: string;
  subject: string;
  html?: string;
  text: string;
  /** Extra headers, e.g. `List-Unsubscribe`. */
  headers?: Record<string, string>;
  /** The idempotency key: sent as the Message-ID header (see messageIdHeader). */
  messageId: string;
}

/** A pooled SMTP sender. */
export interface EmailTransport {
  send(msg: EmailMessage): Promise<SendResult>;
  /** Connect, greet and authenticate once, to check the settings. */
  verify(): Promise<SendResult>;
  /** Close the pool's connections (messages already queued still go out). Later sends fail transiently. */
  close(): void;
}

/** Create the transport; nothing connects until the first send or verify. */
export function createEmailTransport(opts: EmailTransportOptions): EmailTransport {
  const timeout = opts.timeoutMs ?? 10_000;
  const pool = new SMTPPool({
    ...(opts.server ?? { url: opts.url }),
    pool: true,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: opts.maxMessages ?? 1000,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 6,
  });
  // nodemailer leaves Nagle's algorithm on: the small final write of each message then
  // waits for the server's delayed ACK (~40 ms), capping a connection at ~25 messages/s.
  // Its public getSocket hook lets us open the sockets ourselves with TCP_NODELAY (a
  // proxy configured in the URL installs its own hook and takes precedence).
  pool.getSocket = (o, callback) => callback(null, { connection: noDelaySocket(o) });
  const mailer = nodemailer.createTransport(pool, { from: opts.from });
  let closed = false;
  const closedResult: SendFailure = sendFailure('email transport is closed', false);

  return {
    async send(msg) {
      // nodemailer's pool never calls back for a send after close(): answer here instead.
      if (closed) return closedResult;
      try {
        const info = await mailer.sendMail({
          to: msg.to,
          ...(msg.from ? { from: msg.from } : {}),
          subject: msg.subject,
          text: msg.text,
          ...(msg.html !== undefined ? { html: msg.html } : {}),
          ...(msg.headers ? { headers: msg.headers } : {}),
          messageId: messageIdHeader(msg.messageId),
          // base64 costs nodemailer a quarter of what quoted-printable does (measured: ~0.5 vs
          // ~1.8 ms for a 27 KB HTML part), for a third more bytes on the wire.
          textEncoding: 'base64',
        });
        if (info.rejected.length > 0) {
          // Only one recipient, so this does not happen with a conforming server; be safe.
          return sendFailure(`recipient rejected: ${info.rejected.join(', ')}`, true, { bounce: true });
        }
        return ok({ providerId: queueId(info.response) });
      } catch (err) {
        return classifySmtpError(err);
      }
    },
    async verify() {
      if (closed) return closedResult;
      try {
        await mailer.verify();
        return ok({ providerId: null });
      } catch (err) {
        return classifySmtpError(err);
      }
    },
    close() {
      closed = true;
      mailer.close();
    },
  };
}

/**
 * A TCP connection to the pool's server with TCP_NODELAY, handed over still connecting:
 * nodemailer attaches its error, timeout and TLS handling to it synchronously, so refused
 * connections and timeouts are reported exactly as for the sockets it opens itself.
 */
function noDelaySocket(o: SMTPPool.Options): net.Socket {
  const port = Number(o.port) || (o.secure ? 465 : 587);
  const socket = net.connect({ host: o.host || 'localhost', port, noDelay: true, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
  socket.setKeepAlive(true);
  // With Nagle off, each of nodemailer's many small writes of a message would be a packet
  // (and a system call) of its own: gather the writes of one tick and send them together.
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as typeof socket.write;
  return socket;
}

/**
 * The Message-ID header for an idempotency key: a full `<…>` is used as given, a bare
 * `local@domain` is wrapped, and a bare key becomes `<key@tenure>` with every character
 * that is not allowed in a msg-id (RFC 5322 atext; `.` and `%` included) written `%XX`,
 * so `journey:42.1` → `<journey%3A42%2E1@tenure>` and the key can be read back.
 */
export function messageIdHeader(key: string): string {
  if (key.startsWith('<') && key.endsWith('>')) return key;
  if (key.includes('@')) return `<${key}>`;
  let local = '';
  for (const ch of key) {
    if (ATEXT.test(ch)) local += ch;
    else for (const b of Buffer.from(ch, 'utf8')) local += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `<${local}@tenure>`;
}

/** RFC 5322 atext without `%` (the escape): what a msg-id's left part may hold as is. */
const ATEXT = /^[A-Za-z0-9!#$&'*+\-/=?^_`{|}~]$/;

/** The idempotency key back from a Message-ID made by messageIdHeader (null if it is not one of ours). */
export function keyFromMessageId(header: string): string | null {
  const m = /^<([^@>]+)@tenure>$/.exec(header.trim());
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/** Error codes nodemailer (and node:net underneath) uses for connection-level trouble. */
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** RCPT replies that say the mailbox does not exist or will never accept mail. */
const BOUNCE_CODES = new Set([550, 551, 553, 554]);

interface NodemailerError {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * A nodemailer failure as a SendResult. SMTP replies: 5xx permanent (bounce when a RCPT
 * got 550/551/553/554), 4xx transient. No reply: connection trouble and timeouts are
 * transient; authentication failures too (a settings problem, not the message's: fix the
 * URL and the queued mail can still go); anything nodemailer refused to build or send
 * (bad address syntax, malformed message) permanent.
 */
export function classifySmtpError(err: unknown): SendFailure {
  const e: NodemailerError = typeof err === 'object' && err !== null ? (err as NodemailerError) : { message: String(err) };
  const code = e.responseCode;
  const command = e.command ? ` (${e.command})` : '';
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.code === 'EOAUTH2') {
    return sendFailure(`SMTP authentication failed${code ? ` ${code}` : ''}: ${e.response ?? e.message ?? ''}`, false);
  }
  if (typeof code === 'number' && code >= 400 && code < 600) {
    const reason = `SMTP ${code}${command}: ${e.response ?? e.message ?? ''}`;
    if (code < 500) return sendFailure(reason, false);
    const bounce = e.command === 'RCPT TO' && BOUNCE_CODES.has(code);
    return bounce ? sendFailure(reason, true, { bounce: true }) : sendFailure(reason, true);
  }
  const message = e.message ?? 'unknown error';
  if ((e.code && NETWORK_CODES.has(e.code)) || /pool was closed/i.test(message)) {
    return sendFailure(`SMTP connection error${e.code ? ` ${e.code}` : ''}: ${message}`, false);
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || e.code === 'ESTREAM' || e.code === 'ECONFIG') {
    return sendFailure(`SMTP ${e.code}${command}: ${message}`, true);
  }
  // Unknown: most likely the network (an error without a code from a socket); retrying is the safe side.
  return sendFailure(`SMTP error${e.code ? ` ${e.code}` : ''}: ${message}`, false);
}

/** The server's queue id from a `250 …` reply: `queued as ABC123`, `Ok <id>` (SES), `OK id=…`; else null. */
function queueId(response: string | undefined): string | null {
  if (!response) return null;
  const m = /queued as\s+<?([^\s>]+)>?/i.exec(response) ?? /^250[ -](?:2\.0\.0 )?Ok\s+([\w.-]{8,})\s*$/i.exec(response) ?? /\bid=([^\s]+)/i.exec(response);
  return m ? m[1]! : null;
}
