import { z } from 'zod';

/**
 * Messaging providers an admin connects in Settings (GET/PUT/DELETE /api/providers/:channel,
 * POST /api/providers/:channel/test). Secrets (SMTP password, SMS auth token) go in and are
 * never sent back: views say `secretSet` instead.
 */

export const ProviderChannel = z.enum(['email', 'sms']);
export type ProviderChannel = z.infer<typeof ProviderChannel>;

const HOST_MESSAGE = 'a host name or IP address, e.g. smtp.example.com (without smtp:// and without a port)';
/** A DNS name (letters, digits, "-", dots) or an IPv4/IPv6 address. */
const Host = z
  .string({ error: HOST_MESSAGE })
  .trim()
  .min(1, HOST_MESSAGE)
  .max(253, HOST_MESSAGE)
  .refine(
    (h) =>
      /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(h) ||
      (/^[0-9a-fA-F:.]+$/.test(h) && h.includes(':')) ||
      /^\d{1,3}(\.\d{1,3}){3}$/.test(h),
    HOST_MESSAGE,
  );

const PORT_MESSAGE = 'a port number from 1 to 65535 (usually 587 for STARTTLS, 465 for TLS)';
const Port = z.number({ error: PORT_MESSAGE }).int(PORT_MESSAGE).min(1, PORT_MESSAGE).max(65_535, PORT_MESSAGE);

const FROM_MESSAGE = 'an email address, or a name and address as "Acme <hello@acme.test>"';
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
/** `hello@acme.test` or `Acme <hello@acme.test>` (the name may be quoted). */
export const FromAddress = z
  .string({ error: FROM_MESSAGE })
  .trim()
  .min(3, FROM_MESSAGE)
  .max(300, FROM_MESSAGE)
  .refine((v) => {
    const m = /^(.*?)\s*<([^<>]+)>$/.exec(v);
    return m ? ADDRESS.test(m[2]!) && !/[<>]/.test(m[1]!) : ADDRESS.test(v);
  }, FROM_MESSAGE);

/** One email recipient for a test send. */
export const EmailAddress = z.string().trim().regex(ADDRESS, 'an email address, e.g. you@example.com').max(320);

/** SMTP: the non-secret settings as stored and shown. */
export const SmtpSettings = z.object({
  host: z.string(),
  port: z.number().int(),
  security: z.enum(['tls', 'starttls', 'none']).describe('tls: TLS from the first byte (port 465); starttls: upgrade required (587); none: plain, for a relay on a trusted network'),
  username: z.string().nullable().describe('null: the server takes mail without logging in'),
  from: z.string().describe('The default From of this workspace’s emails (a From in messaging settings wins)'),
});

/** Twilio-compatible SMS API: the non-secret settings. */
export const SmsApiSettings = z.object({
  apiUrl: z.string().describe('API origin, e.g. https://api.twilio.com'),
  accountSid: z.string(),
  from: z.string().describe('Sender: an E.164 number, short code or messaging service id'),
});

export const SmtpProviderInput = z.strictObject({
  kind: z.literal('smtp'),
  host: Host,
  port: Port,
  security: z.enum(['tls', 'starttls', 'none'], { error: 'one of tls, starttls, none' }),
  username: z
    .string()
    .trim()
    .max(320)
    .nullable()
    .default(null)
    .transform((v) => (v === '' ? null : v)),
  password: z.string().max(1_000).optional().describe('Absent or empty: keep the saved password'),
  from: FromAddress,
});

export const SmsProviderInput = z.strictObject({
  kind: z.literal('http'),
  apiUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. https://api.twilio.com' }),
  accountSid: z.string().trim().min(1, 'the account id (Twilio: the Account SID, AC…)').max(200),
  from: z.string().trim().min(1, 'the sender: an E.164 number such as +15551234567, a short code or a messaging service id').max(64),
  authToken: z.string().max(1_000).optional().describe('Absent or empty: keep the saved token'),
});

/** PUT /api/providers/:channel: `smtp` for email, `http` for SMS. */
export const ProviderInput = z.discriminatedUnion('kind', [SmtpProviderInput, SmsProviderInput], { error: 'kind must be "smtp" (email) or "http" (SMS)' });
export type ProviderInput = z.input<typeof ProviderInput>;

export const ProviderView = z.object({
  channel: ProviderChannel,
  connected: z.boolean().describe('A provider is saved for this channel in this workspace'),
  kind: z.enum(['smtp', 'http']).nullable(),
  settings: z.union([SmtpSettings, SmsApiSettings]).nullable(),
  secretSet: z.boolean().describe('A password or token is saved (it is never returned)'),
  updatedAt: z.string().nullable(),
  sends: z.boolean().describe('Messages on this channel go out: the saved provider, else one set on the server (environment variables); false: they stay in the outbox'),
  serverProvider: z.string().nullable().describe('The provider set with environment variables, used when none is saved here (host only, never credentials)'),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const ProvidersView = z.object({
  providers: z.array(ProviderView),
  /** Whether credentials can be saved on this server, and if not, why (set TENURE_SECRET). */
  secretStorage: z.object({ available: z.boolean(), message: z.string().nullable() }),
});
export type ProvidersView = z.infer<typeof ProvidersView>;

export const ProviderTestInput = z.strictObject({ to: z.string().trim().min(1, 'give an address to send the test to').max(320) });

export const ProviderTestResult = z.object({ ok: z.literal(true), message: z.string(), providerId: z.string().nullable() });
export type ProviderTestResult = z.infer<typeof ProviderTestResult>;
