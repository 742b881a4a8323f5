/**
 * The SMTP server the benchmark's Tenure processes send to: a real smtp-server on a
 * loopback port (no auth, no TLS) in the benchmark's process, which records of every
 * message it accepts only the envelope recipient and two headers: Message-ID (the
 * idempotency key, channels/email-transport.ts messageIdHeader) and X-Tenure-Message (the
 * `messages` row, channels/dispatcher.ts). The body is read and dropped unparsed, so the
 * sink costs the load generator little CPU.
 */
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted. */
export interface SunkMail {
  to: string;
  messageId: string;
  tenureMessage: string;
  at: number;
}

export interface SmtpSink {
  url: string;
  mails: SunkMail[];
  close(): Promise<void>;
}

/** The value of header `name` (case-insensitive) in a raw header block, unfolded; '' if absent. */
export function headerOf(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

export async function startSink(): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, cb) {
      let head = '';
      let inHead = true;
      stream.on('data', (d: Buffer) => {
        if (!inHead) return;
        head += d.toString('latin1');
        const end = head.search(/\r?\n\r?\n/);
        if (end >= 0) {
          head = head.slice(0, end);
          inHead = false;
        }
      });
      stream.on('error', () => undefined);
      stream.on('end', () => {
        mails.push({
          to: (session.envelope.rcptTo ?? []).map((r) => r.address).join(','),
          messageId: headerOf(head, 'Message-ID'),
          tenureMessage: headerOf(head, 'X-Tenure-Message'),
          at: Date.now(),
        });
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
