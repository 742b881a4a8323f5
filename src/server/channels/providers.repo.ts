/**
 * Messaging providers saved per workspace and channel (table messaging_providers): the
 * non-secret settings as JSON, the password or token sealed with the server secret.
 */
import type { z } from 'zod';
import type { ProviderChannel, SmsApiSettings, SmsProviderInput, SmtpProviderInput, SmtpSettings } from '../../contracts/providers.js';
import type { Queryable } from '../db/client.js';
import { SecretBoxError, type SecretBox } from './secret-box.js';
import type { RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export type SmtpSettingsRow = z.infer<typeof SmtpSettings>;
export type SmsSettingsRow = z.infer<typeof SmsApiSettings>;

/** A saved provider as stored (the secret still sealed). */
export type ProviderRow =
  | { channel: 'email'; kind: 'smtp'; settings: SmtpSettingsRow; secret: string | null; updatedAt: Date }
  | { channel: 'sms'; kind: 'http'; settings: SmsSettingsRow; secret: string | null; updatedAt: Date };

/** A saved provider with its secret opened: what a transport is made from. */
export type OpenProvider =
  | { channel: 'email'; kind: 'smtp'; settings: SmtpSettingsRow; password: string | null }
  | { channel: 'sms'; kind: 'http'; settings: SmsSettingsRow; authToken: string };

/** Expected failures of saving and opening. */
export type ProviderFailure =
  | { ok: false; code: 'secret_unavailable'; message: string }
  | { ok: false; code: 'secret_required'; field: 'password' | 'authToken'; message: string }
  | { ok: false; code: 'kind_mismatch'; message: string }
  | { ok: false; code: 'secret_unreadable'; message: string };

/** Binds a sealed secret to its row: a sealed value copied elsewhere does not open. */
const aad = (workspaceId: number, channel: ProviderChannel) => `messaging_providers:${workspaceId}:${channel}`;

/** The workspace's saved providers. */
export async function listProviders(db: Queryable, workspaceId: number): Promise<ProviderRow[]> {
  const { rows } = await db.query<RowPickCamel<typeof schema.messagingProviders, 'channel' | 'kind' | 'settings' | 'secret' | 'updated_at'> & ProviderRow>(`SELECT channel, kind, settings, secret, updated_at AS "updatedAt" FROM messaging_providers WHERE workspace_id = $1 ORDER BY channel`, [workspaceId]);
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
): Promise<{ ok: true; row: ProviderRow } | ProviderFailure> {
  if ((channel === 'email') !== (input.kind === 'smtp')) {
    return { ok: false, code: 'kind_mismatch', message: channel === 'email' ? 'email providers are kind "smtp"' : 'SMS providers are kind "http" (a Twilio-compatible API)' };
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
      if (!box) return { ok: false, code: 'secret_unavailable', message: boxMissing };
      secret = box.seal(fresh, aad(workspaceId, channel));
    } else if (saved !== null) {
      secret = saved;
    } else {
      return { ok: false, code: 'secret_required', field, message: field === 'password' ? 'give the password for this user name (none is saved yet)' : 'give the API auth token (none is saved yet)' };
    }
  }
  const { rows } = await db.query<RowPickCamel<typeof schema.messagingProviders, 'channel' | 'kind' | 'settings' | 'secret' | 'updated_at'> & ProviderRow>(
    `INSERT INTO messaging_providers (workspace_id, channel, kind, settings, secret, updated_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())
     ON CONFLICT (workspace_id, channel) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secret = excluded.secret, updated_at = excluded.updated_at
     RETURNING channel, kind, settings, secret, updated_at AS "updatedAt"`,
    [workspaceId, channel, input.kind, JSON.stringify(settings), secret],
  );
  return { ok: true, row: rows[0]! };
}

/** Remove a channel's provider; false when there was none. */
export async function deleteProvider(db: Queryable, workspaceId: number, channel: ProviderChannel): Promise<boolean> {
  const { rows } = await db.query(`DELETE FROM messaging_providers WHERE workspace_id = $1 AND channel = $2 RETURNING channel`, [workspaceId, channel]);
  return rows.length > 0;
}

/** Open a saved provider's secret; a secret that cannot be opened is a typed failure (never a wrong value). */
export function openProvider(box: SecretBox | null, workspaceId: number, row: ProviderRow): { ok: true; provider: OpenProvider } | Extract<ProviderFailure, { code: 'secret_unreadable' }> {
  let secret: string | null = null;
  if (row.secret !== null) {
    if (!box) return { ok: false, code: 'secret_unreadable', message: 'a credential is saved but this server has no server secret to open it: set TENURE_SECRET to the value it was saved with' };
    try {
      const v = box.open(row.secret, aad(workspaceId, row.channel));
      if (typeof v !== 'string') throw new SecretBoxError('malformed', 'the stored credential is not a string');
      secret = v;
    } catch (err) {
      if (err instanceof SecretBoxError) return { ok: false, code: 'secret_unreadable', message: `the saved ${row.channel === 'email' ? 'SMTP password' : 'SMS auth token'} cannot be read: ${err.message}` };
      throw err;
    }
  }
  if (row.channel === 'email') return { ok: true, provider: { channel: 'email', kind: 'smtp', settings: row.settings, password: secret } };
  return { ok: true, provider: { channel: 'sms', kind: 'http', settings: row.settings, authToken: secret ?? '' } };
}
