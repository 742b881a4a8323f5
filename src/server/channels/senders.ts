import type { Config } from '../config.js';
import type { Senders } from './dispatcher.js';
import { createEmailTransport } from './email-transport.js';
import { createSmsTransport } from './sms-transport.js';
import { sendWebhook } from './webhook-transport.js';

/** The channels as configured: SMTP and the SMS API when set, else the outbox; webhooks always go out. */
export function sendersFromConfig(config: Config): Senders & { close(): void } {
  const email = config.SMTP_URL ? createEmailTransport({ url: config.SMTP_URL, from: config.EMAIL_FROM, maxConnections: config.SMTP_POOL_SIZE }) : null;
  const sms =
    config.SMS_API_URL && config.SMS_ACCOUNT_SID && config.SMS_AUTH_TOKEN && config.SMS_FROM
      ? createSmsTransport({ baseUrl: config.SMS_API_URL, accountSid: config.SMS_ACCOUNT_SID, authToken: config.SMS_AUTH_TOKEN, from: config.SMS_FROM })
      : null;
  return { email, sms, webhook: sendWebhook, emailFrom: config.EMAIL_FROM, close: () => email?.close() };
}

/** Every channel to the outbox (tests, and a server with nothing configured). */
export function outboxSenders(): Senders {
  return { email: null, sms: null, webhook: sendWebhook, emailFrom: 'Tenure <no-reply@localhost>' };
}
