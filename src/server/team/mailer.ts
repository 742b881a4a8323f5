/**
 * The system mailer: Tenure's own emails to the people who use it (invitations, password
 * resets, task assignments), over the server's SMTP (SMTP_URL) from EMAIL_FROM. It rides the
 * channels' pooled transport (channels/email-transport.ts); there is none when SMTP is not
 * configured, and callers then hand the link back to be copied instead.
 */
import { randomUUID } from 'node:crypto';
import type { EmailTransport } from '../channels/email-transport.js';
import type { SendResult } from '../channels/send-result.js';

/** One system email: plain text, with the link on a line of its own. */
export interface SystemEmail {
  to: string;
  subject: string;
  text: string;
  /** The Message-ID's key (default a random one): the same key twice is the same message to a receiving server. */
  key?: string;
}

export interface Mailer {
  send(mail: SystemEmail): Promise<SendResult>;
  close(): void;
}

/** A mailer over a transport the caller made (or shares with the email channel). */
export function mailerOver(transport: Pick<EmailTransport, 'send'> & Partial<Pick<EmailTransport, 'close'>>, opts: { from?: string; closeTransport?: boolean } = {}): Mailer {
  return {
    send: (m) => transport.send({ to: m.to, subject: m.subject, text: m.text, messageId: m.key ?? `team:${randomUUID()}`, ...(opts.from ? { from: opts.from } : {}) }),
    close: () => {
      if (opts.closeTransport) transport.close?.();
    },
  };
}
