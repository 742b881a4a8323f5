import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The people who use Tenure (marketers, analysts, support): not customers. Their `user_id`
 * columns below point here, never at a customer's userId. A user signs in with a password
 * (scrypt, see team/passwords.ts) or through OpenID Connect, and belongs to workspaces
 * through memberships.
 */
export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    /** Lower-cased, trimmed. */
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    /** `scrypt$N$r$p$salt$hash` (base64url); null for users who only sign in through OIDC or have not accepted their invitation. */
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email)],
);

/** A user's role in one workspace (owner, admin, marketer, analyst, support). */
export const memberships = pgTable(
  'memberships',
  {
    workspaceId: integer('workspace_id').notNull(),
    userId: integer('user_id').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'marketer', 'analyst', 'support'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

/** An invitation to a workspace with a role; the link carries the token, only its hash is kept. */
export const invitations = pgTable(
  'invitations',
  {
    id: serial('id').primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'marketer', 'analyst', 'support'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: integer('invited_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('invitations_token_uq').on(t.tokenHash), index('invitations_ws_idx').on(t.workspaceId, t.createdAt)],
);

/** A signed-in browser: the cookie holds the token, only its hash is kept; `csrf` is sent back in a header on every change. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id').notNull(),
    csrf: text('csrf').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expiry_idx').on(t.expiresAt)],
);

/** A password reset link (its token's hash), usable once before it expires. */
export const passwordResets = pgTable(
  'password_resets',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('password_resets_user_idx').on(t.userId)],
);

/** A user's identity at an OpenID Connect provider (issuer + subject). */
export const oidcIdentities = pgTable(
  'oidc_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: integer('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] }), index('oidc_identities_user_idx').on(t.userId)],
);

/** A sign-in through OIDC in flight: state, nonce and PKCE verifier, for ten minutes. */
export const oidcStates = pgTable('oidc_states', {
  state: text('state').primaryKey(),
  nonce: text('nonce').notNull(),
  verifier: text('verifier').notNull(),
  returnTo: text('return_to'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Named API keys with a scope (ingest, read, admin); several per workspace; only the hash is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    name: text('name').notNull(),
    scope: text('scope', { enum: ['ingest', 'read', 'admin'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    /** The key's first characters, to recognise it in a list (`ta_AbC1…`). */
    prefix: text('prefix').notNull(),
    createdBy: integer('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash), index('api_keys_ws_idx').on(t.workspaceId)],
);

/**
 * Who did what to which object, with the object before and after. Append-only: a trigger
 * refuses UPDATE and DELETE (migration 0027). Rows outlive their workspace.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKind: text('actor_kind', { enum: ['user', 'key', 'system'] }).notNull(),
    /** users.id or api_keys.id (null for the workspace's own admin key and the system). */
    actorId: integer('actor_id'),
    /** The user's email or the key's name at the time. */
    actorLabel: text('actor_label').notNull(),
    /** `segment.update`, `member.invite`, `privacy.erase`, … */
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: text('ip'),
  },
  (t) => [index('audit_log_ws_at_idx').on(t.workspaceId, t.at), index('audit_log_object_idx').on(t.workspaceId, t.objectType, t.objectId)],
);

/** Workspace deletion in its grace period, and who asked. */
export const workspaceDeletions = pgTable('workspace_deletions', {
  workspaceId: integer('workspace_id').primaryKey(),
  requestedBy: integer('requested_by'),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  purgeAfter: timestamp('purge_after', { withTimezone: true }).notNull(),
});

/** The email telling a user a task was assigned to them: one per task and user, sent by a worker (durable, retried). */
export const taskNotifications = pgTable(
  'task_notifications',
  {
    taskId: bigint('task_id', { mode: 'number' }).notNull(),
    userId: integer('user_id').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.userId] }),
    index('task_notifications_due_idx')
      .on(t.createdAt)
      .where(sql`sent_at IS NULL`),
  ],
);
