import { z } from 'zod';

/**
 * A user's role in a workspace. Owner: everything, including deleting the workspace and
 * naming other owners. Admin: everything else (settings, keys, members, privacy, audit).
 * Marketer: segments, journeys, templates, campaigns and programmes. Analyst: reads.
 * Support (customer success): customers, tasks, surveys and notes.
 */
export const Role = z.enum(['owner', 'admin', 'marketer', 'analyst', 'support']);
export type Role = z.infer<typeof Role>;

/** What an API key may do: send events only, read the admin API, or everything an admin may. */
export const KeyScope = z.enum(['ingest', 'read', 'admin']);
export type KeyScope = z.infer<typeof KeyScope>;

/**
 * What a route needs. Every route maps to exactly one (src/server/http/policy.ts); roles and
 * key scopes map to the set they hold (below). `public` routes need nobody (sign-in, links
 * customers click); `ingest` is the Segment-compatible API.
 */
export const Permission = z.enum([
  'public',
  /** Any signed-in member: who am I, my workspaces, sign out. */
  'session',
  'ingest',
  /** Dashboards, metrics, customers, segments, journeys and their stats: every read that holds no secret. */
  'read',
  /** Notes, traits, subscriptions and loyalty moves on one customer; tasks; survey follow-ups. */
  'customers.write',
  'surveys.write',
  /** Segments, journeys, templates, subscription groups, loyalty programme and rewards, referrals. */
  'marketing.write',
  /** CSV imports and the demo. */
  'data.write',
  /** The lifecycle model, health scorecards, predictions and recomputes. */
  'model.write',
  /** Workspace settings: name, timezone, providers, messaging, sources, inbox, helpdesk. */
  'settings.write',
  /** Secrets and keys: API keys, rotations, provider credentials shown back. */
  'keys.manage',
  'members.manage',
  'audit.read',
  /** Privacy requests: export, erase, suppress, purge. */
  'privacy.manage',
  /** Create workspaces is open to every user; delete (and undo) needs this. */
  'workspace.delete',
]);
export type Permission = z.infer<typeof Permission>;

const ALL_WRITES: Permission[] = ['customers.write', 'surveys.write', 'marketing.write', 'data.write', 'model.write', 'settings.write'];

/** What each role may do. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: ['session', 'read', ...ALL_WRITES, 'keys.manage', 'members.manage', 'audit.read', 'privacy.manage', 'workspace.delete'],
  admin: ['session', 'read', ...ALL_WRITES, 'keys.manage', 'members.manage', 'audit.read', 'privacy.manage'],
  marketer: ['session', 'read', 'marketing.write', 'data.write'],
  analyst: ['session', 'read'],
  support: ['session', 'read', 'customers.write', 'surveys.write'],
};

/** What each API key scope may do. A full admin key is an admin without the team: it cannot manage members or delete the workspace. */
export const SCOPE_PERMISSIONS: Readonly<Record<KeyScope, readonly Permission[]>> = {
  ingest: ['ingest'],
  read: ['session', 'read'],
  admin: ['session', 'ingest', 'read', ...ALL_WRITES, 'keys.manage', 'audit.read', 'privacy.manage'],
};

/** True when the role (or key scope) holds the permission; `public` is held by everyone. */
export function roleMay(role: Role, p: Permission): boolean {
  return p === 'public' || ROLE_PERMISSIONS[role].includes(p);
}
export function scopeMay(scope: KeyScope, p: Permission): boolean {
  return p === 'public' || SCOPE_PERMISSIONS[scope].includes(p);
}

const Email = z.string().trim().toLowerCase().max(254, 'use at most 254 characters').email('must be an email address such as ana@example.com');
/** At least 10 characters: long beats clever. */
export const Password = z.string().min(10, 'use at least 10 characters').max(1024, 'use at most 1,024 characters');

export const UserView = z.object({ id: z.number().int(), email: z.string(), name: z.string() });
export type UserView = z.infer<typeof UserView>;

/** A workspace the user belongs to, with their role in it. */
export const WorkspaceMembership = z.object({ id: z.number().int(), slug: z.string(), name: z.string(), role: Role, deleting: z.boolean() });
export type WorkspaceMembership = z.infer<typeof WorkspaceMembership>;

/** GET /api/auth/me: who the request is (a signed-in user or an API key), in which workspace, and what they may do. */
export const MeView = z.object({
  user: UserView.nullable(),
  /** Set when an API key authenticated the request. */
  key: z.object({ id: z.number().int().nullable(), name: z.string(), scope: KeyScope }).nullable(),
  /** The workspace requests act on now (null: a user who belongs to no workspace yet). */
  workspace: z.object({ id: z.number().int(), slug: z.string(), name: z.string() }).nullable(),
  role: Role.nullable(),
  permissions: z.array(Permission),
  workspaces: z.array(WorkspaceMembership),
  /** Send it back as the `x-csrf-token` header on every request that changes something (session sign-in only). */
  csrfToken: z.string().nullable(),
});
export type MeView = z.infer<typeof MeView>;

export const SignInInput = z.strictObject({ email: Email, password: z.string().min(1, 'enter your password').max(1024) });
export type SignInInput = z.infer<typeof SignInInput>;

/** What sign-in answers (the session itself is the HTTP-only cookie). */
export const SignedIn = z.object({ user: UserView, workspaces: z.array(WorkspaceMembership), csrfToken: z.string() });
export type SignedIn = z.infer<typeof SignedIn>;

export const MemberView = z.object({
  userId: z.number().int(),
  email: z.string(),
  name: z.string(),
  role: Role,
  joinedAt: z.string(),
  lastSignInAt: z.string().nullable(),
});
export type MemberView = z.infer<typeof MemberView>;
export const MemberList = z.object({ members: z.array(MemberView), invitations: z.array(z.lazy(() => InvitationView)) });

export const MemberPatch = z.strictObject({ role: Role });

export const InviteInput = z.strictObject({
  email: Email,
  role: Role,
  /** Send the link by email through the configured SMTP (default true); the answer holds the link either way. */
  send: z.boolean().optional(),
});
export type InviteInput = z.infer<typeof InviteInput>;

export const InvitationView = z.object({
  id: z.number().int(),
  email: z.string(),
  role: Role,
  invitedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  /** Only in the answer to the invitation itself: the link to copy (the token is not kept). */
  link: z.string().optional(),
  /** Whether the email went out (`sent`), was not asked for (`not_requested`), or SMTP is not configured / failed (`failed` with the reason in `emailError`). */
  emailStatus: z.enum(['sent', 'not_requested', 'failed']).optional(),
  emailError: z.string().optional(),
});
export type InvitationView = z.infer<typeof InvitationView>;

/** GET /api/auth/invitations/:token: what the invitation page shows before accepting. */
export const InvitationPreview = z.object({ email: z.string(), role: Role, workspace: z.string(), hasAccount: z.boolean() });
export const AcceptInvitationInput = z.strictObject({
  token: z.string().min(10).max(200),
  name: z.string().trim().max(200).optional(),
  /** Required for a new user; an existing user signs in with their own password instead. */
  password: Password.optional(),
});

export const PasswordResetRequest = z.strictObject({ email: Email });
export const PasswordResetInput = z.strictObject({ token: z.string().min(10).max(200), password: Password });
export const PasswordChangeInput = z.strictObject({ current: z.string().min(1).max(1024), password: Password });

export const ApiKeyView = z.object({
  id: z.number().int(),
  name: z.string(),
  scope: KeyScope,
  prefix: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;
export const ApiKeyList = z.object({ keys: z.array(ApiKeyView) });
export const ApiKeyCreate = z.strictObject({ name: z.string().trim().min(1, 'give the key a name').max(100, 'use at most 100 characters'), scope: KeyScope });
/** The key itself is shown once, in this answer. */
export const ApiKeyCreated = z.object({ key: ApiKeyView, secret: z.string() });

const Slug = z
  .string()
  .min(2, 'use at least 2 characters')
  .max(48, 'use at most 48 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and "-" (starting with a letter or digit)');
export const WorkspaceList = z.object({ workspaces: z.array(WorkspaceMembership) });
export const WorkspaceCreate = z.strictObject({ name: z.string().trim().min(1, 'a workspace needs a name').max(200), slug: Slug.optional() });
export const WorkspaceCreated = z.object({ workspace: WorkspaceMembership, writeKey: z.string() });
/** Deleting asks for the workspace's slug, typed, as confirmation. */
export const WorkspaceDeleteInput = z.strictObject({ confirm: z.string().max(100) });
export const WorkspaceDeletion = z.object({ slug: z.string(), purgeAfter: z.string().nullable(), deleting: z.boolean() });

/** A task's assignment to a user (PATCH /api/tasks/:id with assigneeUserId). */
export const MyTasksQuery = z.object({ status: z.enum(['open', 'done', 'cancelled']).optional() });
