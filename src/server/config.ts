import { z } from 'zod';

/** Environment variables Tenure reads, with defaults. Parsed once at start. */
const EnvSchema = z.object({
  PORT: z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0, 'must be a port number (0-65535)').max(65535, 'must be a port number (0-65535)').default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// or postgresql:// URL (leave it unset for embedded PGlite)',
    }),
  DATABASE_POOL_SIZE: z.coerce.number({ error: 'must be a whole number from 1 to 200' }).int('must be a whole number from 1 to 200').min(1, 'must be a whole number from 1 to 200').max(200, 'must be a whole number from 1 to 200').default(10),
  /** Longest run of one statement, seconds (PostgreSQL statement_timeout; PGlite: longest wait for one call); 0: no limit. */
  DATABASE_STATEMENT_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 0 to 86400' }).int('must be a whole number of seconds from 0 to 86400').min(0, 'must be a whole number of seconds from 0 to 86400').max(86_400, 'must be a whole number of seconds from 0 to 86400').default(300),
  /** PostgreSQL: longest wait to connect or to get a pooled connection, seconds. */
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number of seconds from 0.1 to 600' }).min(0.1, 'must be a number of seconds from 0.1 to 600').max(600, 'must be a number of seconds from 0.1 to 600').default(30),
  /** PostgreSQL: how long the start waits for an unreachable database (retrying with backoff) before giving up, seconds; 0: not at all. */
  DATABASE_WAIT_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 0 to 86400' }).int('must be a whole number of seconds from 0 to 86400').min(0, 'must be a whole number of seconds from 0 to 86400').max(86_400, 'must be a whole number of seconds from 0 to 86400').default(300),
  TENURE_DATA_DIR: z.string().min(1).default('./.tenure'),
  TENURE_WRITE_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  TENURE_ADMIN_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  TENURE_INGEST_LANES: z.coerce.number({ error: 'must be a whole number from 1 to 16' }).int('must be a whole number from 1 to 16').min(1, 'must be a whole number from 1 to 16').max(16, 'must be a whole number from 1 to 16').default(2),
  TENURE_STAGE_SWEEP_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 0 to 86400' }).int('must be a whole number of seconds from 0 to 86400').min(0, 'must be a whole number of seconds from 0 to 86400').max(86_400, 'must be a whole number of seconds from 0 to 86400').default(30),
  TENURE_ANALYTICS_SYNC_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 0 to 3600' }).int('must be a whole number of seconds from 0 to 3600').min(0, 'must be a whole number of seconds from 0 to 3600').max(3_600, 'must be a whole number of seconds from 0 to 3600').optional(),
  TENURE_SEGMENT_REFRESH_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 0 to 86400' }).int('must be a whole number of seconds from 0 to 86400').min(0, 'must be a whole number of seconds from 0 to 86400').max(86_400, 'must be a whole number of seconds from 0 to 86400').default(300),
  TENURE_DEMO: z
    .enum(['auto', 'true', 'false', '1', '0'])
    .default('auto')
    .transform((v) => (v === '1' ? 'true' : v === '0' ? 'false' : v)),
  /** Base URL customers reach this server at (links in messages: tracking, unsubscribe). Default http://HOST:PORT. */
  TENURE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://tenure.example.com' }).optional(),
  /** SMTP server for email (smtp:// or smtps://, user:pass@ included). Unset: emails go to the outbox (kept, viewable, not sent). */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  EMAIL_FROM: z.string().min(3).default('Tenure <no-reply@localhost>'),
  SMTP_POOL_SIZE: z.coerce.number({ error: 'must be a whole number from 1 to 50' }).int('must be a whole number from 1 to 50').min(1, 'must be a whole number from 1 to 50').max(50, 'must be a whole number from 1 to 50').default(5),
  /** Twilio-compatible SMS API (e.g. https://api.twilio.com). Unset: SMS go to the outbox. */
  SMS_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SMS_ACCOUNT_SID: z.string().min(1).optional(),
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).optional(),
  /** A message handed to a channel and not recorded after this long (its worker died) is sent again, under the same idempotency key. */
  TENURE_DELIVERY_LEASE_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds from 1 to 3600' }).int('must be a whole number of seconds from 1 to 3600').min(1, 'must be a whole number of seconds from 1 to 3600').max(3600, 'must be a whole number of seconds from 1 to 3600').default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<z.infer<typeof EnvSchema>>;

/** Thrown when the environment holds a value Tenure cannot use. */
export class ConfigError extends Error {}

/**
 * Parse configuration from an environment object. Empty strings count as unset.
 * Throws ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}=${JSON.stringify(cleaned[String(i.path[0])] ?? '')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.SMS_API_URL && !(c.SMS_ACCOUNT_SID && c.SMS_AUTH_TOKEN && c.SMS_FROM)) {
    throw new ConfigError('Invalid configuration:\n  SMS_API_URL is set: SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM are needed too');
  }
  return Object.freeze(c);
}
