/**
 * Messaging providers saved per workspace and channel (table messaging_providers): the
 * non-secret settings as JSON, the password or token sealed with the server secret.
 */
import type { z } from 'zod';
import type { ProviderChannel, SmsApiSettings, SmsProviderInput, SmtpProviderInput, SmtpSettings } from '../../contracts/providers.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import type { SecretBox } from './secret-box.js';
import type { RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export type SmtpSettingsRow = z.infer<typeof SmtpSettings>;
export type SmsSettingsRow = z.infer<typeof SmsApiSettings>;

/** A saved provider as stored (the secret still sealed). */
export type ProviderRow =
  | { channel: 'email'; kind: 'smtp'; settings: SmtpSettingsRow; secret: string | null; updatedAt: Date }
  | { channel: 'sms'; kind: 'http'; settings: SmsSettingsRow; secret: string | null; updatedAt: Date };

/** A saved provider with its secret opened: what a transport is made from. */
export type OpenProvider = { channel: 'email'; kind: 'smtp'; settings: SmtpSettingsRow; password: string | null } | { channel: 'sms'; kind: 'http'; settings: SmsSettingsRow; authToken: string };

/**
 * Expected failures of saving and opening: no server secret to seal with, a saved secret
 * that does not open, or input that does not fit (a secret required, the wrong kind for the channel).
 */
export type ProviderFailure = Failure<'secret_unavailable' | 'secret_unreadable'> | (Failure<'validation_failed'> & { field: 'password' | 'authToken' | 'kind' });

/** Binds a sealed secret to its row: a sealed value copied elsewhere does not open. */
const aad = (workspaceId: number, channel: ProviderChannel) => `messaging_providers:${workspaceId}:${channel}`;

/** The workspace's saved providers. */
export async function listProviders(db: Queryable, workspaceId: number): Promise<ProviderRow[]> {
  const { rows } = await db.query<RowPickCamel<typeof schema.messagingProviders, 'channel' | 'kind' | 'settings' | 'secret' | 'updated_at'> & ProviderRow>(
    `SELECT channel, kind, settings, secret, updated_at AS "updatedAt" FROM messaging_providers WHERE workspace_id = $1 ORDER BY channel`,
    [workspaceId],
  );
  return rows;
}

/**
 * Save (insert or replace) the provider of a channel. An absent or empty password/token
 * keeps the saved one; an SMTP provider without a user name keeps no password. Sealing needs
 * the server secret (`box`); without one, saving is refused unless nothing secret is kept.
 */
export async function saveProvider(
  db: Queryable,
  box: SecretBox | null,
  boxMissing: string,
  workspaceId: number,
  channel: ProviderChannel,
  input: z.output<typeof SmtpProviderInput> | z.output<typeof SmsProviderInput>,
): Promise<Result<ProviderRow, ProviderFailure>> {
  if ((channel === 'email') !== (input.kind === 'smtp')) {
    return fail('validation_failed', channel === 'email' ? 'email providers are kind "smtp"' : 'SMS providers are kind "http" (a Twilio-compatible API)', { field: 'kind' as const });
  }
  const { rows: old } = await db.query<RowPick<typeof schema.messagingProviders, 'secret'>>(`SELECT secret FROM messaging_providers WHERE workspace_id = $1 AND channel = $2`, [workspaceId, channel]);
  const saved = old[0]?.secret ?? null;
  let settings: SmtpSettingsRow | SmsSettingsRow;
  let fresh: string | null;
  let needsSecret: boolean;
  let field: 'password' | 'authToken';
  if (input.kind === 'smtp') {
    settings = { host: input.host, port: input.port, security: input.security, username: input.username, from: input.from };
    fresh = input.password ? input.password : null;
    needsSecret = input.username !== null;
    field = 'password';
  } else {
    settings = { apiUrl: input.apiUrl.replace(/\/+$/, ''), accountSid: input.accountSid, from: input.from };
    fresh = input.authToken ? input.authToken : null;
    needsSecret = true;
    field = 'authToken';
  }
  let secret: string | null = null;
  if (needsSecret) {
    if (fresh !== null) {
      if (!box) return fail('secret_unavailable', boxMissing);
      secret = box.seal(fresh, aad(workspaceId, channel));
    } else if (saved !== null) {
      secret = saved;
    } else {
      return fail('validation_failed', field === 'password' ? 'give the password for this user name (none is saved yet)' : 'give the API auth token (none is saved yet)', { field });
    }
  }
  const { rows } = await db.query<RowPickCamel<typeof schema.messagingProviders, 'channel' | 'kind' | 'settings' | 'secret' | 'updated_at'> & ProviderRow>(
    `INSERT INTO messaging_providers (workspace_id, channel, kind, settings, secret, updated_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())
     ON CONFLICT (workspace_id, channel) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secret = excluded.secret, updated_at = excluded.updated_at
     RETURNING channel, kind, settings, secret, updated_at AS "updatedAt"`,
    [workspaceId, channel, input.kind, JSON.stringify(settings), secret],
  );
  return ok(rows[0]!);
}

/** Remove a channel's provider; false when there was none. */
export async function deleteProvider(db: Queryable, workspaceId: number, channel: ProviderChannel): Promise<boolean> {
  const { rows } = await db.query(`DELETE FROM messaging_providers WHERE workspace_id = $1 AND channel = $2 RETURNING channel`, [workspaceId, channel]);
  return rows.length > 0;
}

/** Open a saved provider's secret; a secret that cannot be opened is a typed failure (never a wrong value). */
export function openProvider(box: SecretBox | null, workspaceId: number, row: ProviderRow): Result<OpenProvider, Failure<'secret_unreadable'>> {
  let secret: string | null = null;
  if (row.secret !== null) {
    if (!box) return fail('secret_unreadable', 'a credential is saved but this server has no server secret to open it: set TENURE_SECRET to the value it was saved with');
    const opened = box.open(row.secret, aad(workspaceId, row.channel));
    if (!opened.ok || typeof opened.value !== 'string') {
      const problem = opened.ok ? 'the stored credential is not a string' : opened.message;
      return fail('secret_unreadable', `the saved ${row.channel === 'email' ? 'SMTP password' : 'SMS auth token'} cannot be read: ${problem}`);
    }
    secret = opened.value;
  }
  if (row.channel === 'email') return ok({ channel: 'email', kind: 'smtp', settings: row.settings, password: secret });
  return ok({ channel: 'sms', kind: 'http', settings: row.settings, authToken: secret ?? '' });
}
