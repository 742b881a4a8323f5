import type { ChannelStatus } from '../../contracts/messaging.js';
import type { Config } from '../config.js';
import type { Senders } from './dispatcher.js';
import { createEmailTransport } from './email-transport.js';
import { createSmsTransport } from './sms-transport.js';
import { destinationPolicy } from './destinations.js';
import { webhookSender } from './webhook-transport.js';

/** The channels as configured: SMTP and the SMS API when set, else the outbox; webhooks always go out (internal destinations only when TENURE_WEBHOOK_ALLOW names them). */
export function sendersFromConfig(config: Config): Senders & { close(): void } {
  const email = config.SMTP_URL ? createEmailTransport({ url: config.SMTP_URL, from: config.EMAIL_FROM, maxConnections: config.SMTP_POOL_SIZE }) : null;
  const sms =
    config.SMS_API_URL && config.SMS_ACCOUNT_SID && config.SMS_AUTH_TOKEN && config.SMS_FROM
      ? createSmsTransport({ baseUrl: config.SMS_API_URL, accountSid: config.SMS_ACCOUNT_SID, authToken: config.SMS_AUTH_TOKEN, from: config.SMS_FROM })
      : null;
  return { email, sms, webhook: webhookSender(destinationPolicy(config.TENURE_WEBHOOK_ALLOW)), emailFrom: config.EMAIL_FROM, close: () => email?.close() };
}

/** Host and port of a provider URL, without user, password or path. */
function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return null;
  }
}

/** What GET /api/channels reports: each channel's transport, from the senders and (when known) the configuration they came from. */
export function describeChannels(senders: Senders, config?: Pick<Config, 'SMTP_URL' | 'SMS_API_URL' | 'SMS_FROM'>): ChannelStatus[] {
  return [
    senders.email
      ? { channel: 'email', transport: 'smtp', sends: true, target: hostOf(config?.SMTP_URL), from: senders.emailFrom }
      : { channel: 'email', transport: 'outbox', sends: false, target: null, from: senders.emailFrom },
    senders.sms
      ? { channel: 'sms', transport: 'sms_api', sends: true, target: hostOf(config?.SMS_API_URL), from: config?.SMS_FROM ?? null }
      : { channel: 'sms', transport: 'outbox', sends: false, target: null, from: null },
    { channel: 'webhook', transport: 'http', sends: true, target: null, from: null },
    { channel: 'inapp', transport: 'inbox', sends: true, target: null, from: null },
  ];
}

/** Every channel to the outbox (tests, and a server with nothing configured); webhooks go out, never to internal networks. */
export function outboxSenders(): Senders {
  return { email: null, sms: null, webhook: webhookSender(), emailFrom: 'Tenure <no-reply@localhost>' };
}
