import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The email or SMS provider an admin connected in Settings, one per workspace and channel
 * (without one, the server's environment-variable provider, else the outbox). `settings`
 * holds what is not secret (host, port, security, from, username; API URL, account id);
 * `secret` the password or API token sealed with the server secret (channels/secret-box.ts),
 * null when there is none (an SMTP relay without authentication).
 */
export const messagingProviders = pgTable(
  'messaging_providers',
  {
    workspaceId: integer('workspace_id').notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    kind: text('kind', { enum: ['smtp', 'http'] }).notNull(),
    settings: jsonb('settings').notNull(),
    secret: text('secret'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.channel] })],
);
