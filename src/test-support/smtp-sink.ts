import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One email as a real SMTP server received it, parsed. */
export interface ReceivedMail {
  to: string[];
  from: string;
  messageId: string;
  subject: string;
  html: string;
  text: string;
  headers: Map<string, string>;
}

/**
 * A real SMTP server on a loopback port (smtp-server, no auth, no TLS) that keeps every
 * message it accepts, parsed with mailparser. `reject` lets a test answer RCPT with an
 * SMTP error for chosen addresses.
 */
export async function startSmtpSink(
  opts: {
    reject?: (rcpt: string) => { code: number; message: string } | null;
    /** Take this long over each message before accepting it. */ delayMs?: number;
    /** Require AUTH PLAIN/LOGIN (over plain TCP) with this user and password. */ auth?: { user: string; pass: string };
  } = {},
): Promise<{ url: string; mails: ReceivedMail[]; connections: () => number; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  // Sessions whose client went away: a message still being processed for one is not taken
  // (its 250 could not be sent, so the server has not accepted it).
  const closed = new Set<string>();
  let connections = 0;
  const server = new SMTPServer({
    authOptional: !opts.auth,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(new Error('Invalid username or password'));
    },
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onClose(session) {
      closed.add(session.id);
    },
    onRcptTo(address, _session, cb) {
      const r = opts.reject?.(address.address);
      if (r) {
        const err = new Error(r.message) as Error & { responseCode: number };
        err.responseCode = r.code;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      // A client that dies mid-message leaves a truncated stream: not a delivered message.
      let complete = false;
      stream.on('end', () => (complete = true));
      stream.on('error', () => undefined);
      simpleParser(stream)
        .then(async (m): Promise<typeof m | null> => {
          if (!complete) {
            cb(new Error('incomplete message'));
            return null;
          }
          // The server's own work (a slow disk, a spam check) happens before it takes the message.
          await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
          return m;
        })
        .then((m) => {
          if (!m) return;
          if (closed.has(session.id)) return cb(new Error('client gone'));
          const headers = new Map<string, string>();
          for (const line of m.headerLines) headers.set(line.key, line.line.slice(line.line.indexOf(':') + 1).trim());
          mails.push({
            to: (session.envelope.rcptTo ?? []).map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            messageId: m.messageId ?? '',
            subject: m.subject ?? '',
            html: typeof m.html === 'string' ? m.html : '',
            text: m.text ?? '',
            headers,
          });
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  // Clients killed mid-conversation reset their connections: not the server's problem.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
