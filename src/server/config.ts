import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAllowList } from './channels/destinations.js';

/** Environment variables Tenure reads, with defaults. Parsed once at start. */
const EnvSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a port number (0-65535)' })
    .int('must be a port number (0-65535)')
    .min(0, 'must be a port number (0-65535)')
    .max(65535, 'must be a port number (0-65535)')
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// or postgresql:// URL (leave it unset for embedded PGlite)',
    }),
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be a whole number from 1 to 200')
    .max(200, 'must be a whole number from 1 to 200')
    .default(10),
  /** Longest run of one statement, seconds (PostgreSQL statement_timeout; PGlite: longest wait for one call); 0: no limit. */
  DATABASE_STATEMENT_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int('must be a whole number of seconds from 0 to 86400')
    .min(0, 'must be a whole number of seconds from 0 to 86400')
    .max(86_400, 'must be a whole number of seconds from 0 to 86400')
    .default(300),
  /** PostgreSQL: longest wait to connect or to get a pooled connection, seconds. */
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds from 0.1 to 600' })
    .min(0.1, 'must be a number of seconds from 0.1 to 600')
    .max(600, 'must be a number of seconds from 0.1 to 600')
    .default(30),
  /** PostgreSQL: how long the start waits for an unreachable database (retrying with backoff) before giving up, seconds; 0: not at all. */
  DATABASE_WAIT_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int('must be a whole number of seconds from 0 to 86400')
    .min(0, 'must be a whole number of seconds from 0 to 86400')
    .max(86_400, 'must be a whole number of seconds from 0 to 86400')
    .default(300),
  TENURE_DATA_DIR: z.string().min(1).default('./.tenure'),
  TENURE_WRITE_KEY: z.string().min(32, 'must be at least 32 characters (a long random key; `openssl rand -hex 24` makes one)').optional(),
  TENURE_ADMIN_KEY: z.string().min(32, 'must be at least 32 characters (a long random key; `openssl rand -hex 24` makes one)').optional(),
  TENURE_INGEST_LANES: z.coerce
    .number({ error: 'must be a whole number from 1 to 16' })
    .int('must be a whole number from 1 to 16')
    .min(1, 'must be a whole number from 1 to 16')
    .max(16, 'must be a whole number from 1 to 16')
    .default(2),
  /**
   * Background batches (stage, segment, journey, KPI, loyalty and referral loops) one process
   * runs at once on PostgreSQL; 0: no limit. Default: with ingestion in the process, the
   * pool's connections less the ingestion lanes and two for the API's reads, so the
   * background never holds the connections the request path needs; without it, no limit.
   */
  TENURE_BACKGROUND_SLOTS: z.coerce
    .number({ error: 'must be a whole number from 0 to 200' })
    .int('must be a whole number from 0 to 200')
    .min(0, 'must be a whole number from 0 to 200')
    .max(200, 'must be a whole number from 0 to 200')
    .optional(),
  TENURE_STAGE_SWEEP_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int('must be a whole number of seconds from 0 to 86400')
    .min(0, 'must be a whole number of seconds from 0 to 86400')
    .max(86_400, 'must be a whole number of seconds from 0 to 86400')
    .default(30),
  /**
   * How far the JavaScript heap may grow past what the last full collection kept, in percent
   * (V8's --heap-growing-percent; 0 leaves V8 its own rule). V8 alone lets a busy server's
   * heap grow to about four times its live data between full collections: 400 MB of RSS for
   * 70 MB of live data under ingestion. 50 keeps it near 230 MB for the same traffic.
   */
  TENURE_HEAP_GROWTH_PERCENT: z.coerce
    .number({ error: 'must be a whole number of percent from 0 to 1000' })
    .int('must be a whole number of percent from 0 to 1000')
    .min(0, 'must be a whole number of percent from 0 to 1000')
    .max(1_000, 'must be a whole number of percent from 0 to 1000')
    .default(50),
  /** Largest CSV file POST /api/imports accepts (MB, after gzip decompression). */
  TENURE_IMPORT_MAX_MB: z.coerce
    .number({ error: 'must be a whole number of megabytes from 1 to 102400' })
    .int('must be a whole number of megabytes from 1 to 102400')
    .min(1, 'must be a whole number of megabytes from 1 to 102400')
    .max(102_400, 'must be a whole number of megabytes from 1 to 102400')
    .default(1024),
  /** Where uploaded import files wait for their job (default: the system's temporary directory). */
  TENURE_IMPORT_DIR: z.string().min(1).optional(),
  /**
   * Keep events of this many months before the current one (UTC calendar months); older
   * months' partitions are dropped by housekeeping with the facts derived from them
   * (docs/scaling.md, "Partitioned events and retention"). Unset: keep everything.
   */
  TENURE_EVENTS_RETENTION_MONTHS: z.coerce
    .number({ error: 'must be a whole number of months from 1 to 1200 (unset keeps every event)' })
    .int('must be a whole number of months from 1 to 1200 (unset keeps every event)')
    .min(1, 'must be a whole number of months from 1 to 1200 (unset keeps every event)')
    .max(1_200, 'must be a whole number of months from 1 to 1200 (unset keeps every event)')
    .optional(),
  TENURE_ANALYTICS_SYNC_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 3600' })
    .int('must be a whole number of seconds from 0 to 3600')
    .min(0, 'must be a whole number of seconds from 0 to 3600')
    .max(3_600, 'must be a whole number of seconds from 0 to 3600')
    .optional(),
  TENURE_SEGMENT_REFRESH_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int('must be a whole number of seconds from 0 to 86400')
    .min(0, 'must be a whole number of seconds from 0 to 86400')
    .max(86_400, 'must be a whole number of seconds from 0 to 86400')
    .default(300),
  TENURE_DEMO: z
    .enum(['auto', 'true', 'false', '1', '0'])
    .default('auto')
    .transform((v) => (v === '1' ? 'true' : v === '0' ? 'false' : v)),
  /** Base URL customers reach this server at (links in messages: tracking, unsubscribe). Default http://HOST:PORT. */
  TENURE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://tenure.example.com' }).optional(),
  /**
   * Seals the email and SMS credentials admins save in Settings (see docs/channels.md). Unset:
   * with PGlite, one is generated into TENURE_DATA_DIR/server-secret; with PostgreSQL, saving
   * credentials is refused until it is set (the same value on every process).
   */
  TENURE_SECRET: z.string().min(32, 'must be at least 32 characters (`openssl rand -hex 32` makes one)').optional(),
  /** SMTP server for email (smtp:// or smtps://, user:pass@ included). Unset: emails go to the outbox (kept, viewable, not sent). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  EMAIL_FROM: z.string().min(3).default('Tenure <no-reply@localhost>'),
  SMTP_POOL_SIZE: z.coerce
    .number({ error: 'must be a whole number from 1 to 50' })
    .int('must be a whole number from 1 to 50')
    .min(1, 'must be a whole number from 1 to 50')
    .max(50, 'must be a whole number from 1 to 50')
    .default(5),
  /** Twilio-compatible SMS API (e.g. https://api.twilio.com). Unset: SMS go to the outbox. */
  SMS_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SMS_ACCOUNT_SID: z.string().min(1).optional(),
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).optional(),
  /** A message handed to a channel and not recorded after this long (its worker died) is sent again, under the same idempotency key. */
  TENURE_DELIVERY_LEASE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds from 1 to 3600' })
    .int('must be a whole number of seconds from 1 to 3600')
    .min(1, 'must be a whole number of seconds from 1 to 3600')
    .max(3600, 'must be a whole number of seconds from 1 to 3600')
    .default(60),
  /** Internal destinations webhooks may reach: host names, IP addresses and CIDR ranges, comma-separated (e.g. 127.0.0.1,10.0.0.0/8,hooks.internal). Loopback, private, link-local, unspecified and multicast addresses are refused otherwise. */
  TENURE_WEBHOOK_ALLOW: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const r = parseAllowList(v ?? '');
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }),
  /** Ingestion (/v1/*) requests per second per write key (bursts up to twice that); 0 turns the limit off. */
  TENURE_RATE_LIMIT_INGEST_PER_SECOND: z.coerce
    .number({ error: 'must be a whole number from 0 to 1000000' })
    .int('must be a whole number from 0 to 1000000')
    .min(0, 'must be a whole number from 0 to 1000000')
    .max(1_000_000, 'must be a whole number from 0 to 1000000')
    .default(5_000),
  /** Ingestion (/v1/*) requests per second per client IP (bursts up to twice that); 0 turns the limit off. */
  TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND: z.coerce
    .number({ error: 'must be a whole number from 0 to 1000000' })
    .int('must be a whole number from 0 to 1000000')
    .min(0, 'must be a whole number from 0 to 1000000')
    .max(1_000_000, 'must be a whole number from 0 to 1000000')
    .default(1_000),
  /** Wrong admin keys per minute per client IP on /api/*; past it the IP gets 429 until the bucket refills. 0 turns the lockout off. */
  TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: z.coerce
    .number({ error: 'must be a whole number from 0 to 100000' })
    .int('must be a whole number from 0 to 100000')
    .min(0, 'must be a whole number from 0 to 100000')
    .max(100_000, 'must be a whole number from 0 to 100000')
    .default(10),
  /** Which proxies' X-Forwarded-For to believe: unset/false (none), true (any), a hop count, or addresses/CIDRs separated by commas. */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx): boolean | number | string[] => {
      const t = (v ?? 'false').trim();
      if (t === 'false') return false;
      if (t === 'true') return true;
      if (/^\d+$/.test(t)) return Number(t);
      const list = t
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      const bad = list.find((x) => !isProxyAddress(x));
      if (bad !== undefined || list.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be true, false, a hop count, or IP addresses/CIDRs separated by commas (e.g. 10.0.0.1,192.168.0.0/16)${bad === undefined ? '' : `; "${bad}" is none of these`}`,
        });
        return z.NEVER;
      }
      return list;
    }),
  /** The first user, made when a start finds none: an owner of the default workspace (see docs/team.md). */
  TENURE_ADMIN_EMAIL: z.string().trim().toLowerCase().email('must be an email address such as admin@example.com').default('admin@localhost'),
  /** The first user's password; unset: a random one, printed once. */
  TENURE_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  /** Single sign-on (OpenID Connect): the provider's issuer URL, e.g. https://accounts.google.com. Needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too. */
  OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'must be the provider’s issuer URL, e.g. https://login.example.com/realms/acme' }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The sign-in button's label ("Sign in with …"). */
  OIDC_NAME: z.string().min(1).max(100).default('single sign-on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Console lines: `text` (readable), `json` (pino's, one object a line), or `auto`: text on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'text', 'json']).default('auto'),
  /**
   * Customers in the demo `tenure start` loads into an empty database (see `tenure demo --customers`).
   * 5,000 (~0.5M events, a data dir of about half a GB) rather than `tenure demo`'s 10,000 (~1M, ~0.95 GB).
   */
  TENURE_DEMO_CUSTOMERS: z.coerce.number().int().min(10).max(1_000_000).default(5_000),
});

/** An address, a CIDR range, or a name proxy-addr knows (loopback, linklocal, uniquelocal). */
function isProxyAddress(x: string): boolean {
  if (x === 'loopback' || x === 'linklocal' || x === 'uniquelocal') return true;
  const [addr, bits, more] = x.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || more !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

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
  const oidc = [c.OIDC_ISSUER, c.OIDC_CLIENT_ID, c.OIDC_CLIENT_SECRET].filter((v) => v !== undefined).length;
  if (oidc > 0 && oidc < 3) {
    throw new ConfigError('Invalid configuration:\n  single sign-on needs all three of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or none of them)');
  }
  return Object.freeze(c);
}
