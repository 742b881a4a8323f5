import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { AcceptInvitationInput, InvitationPreview, PasswordChangeInput, PasswordResetInput, PasswordResetRequest, SignedIn } from '../../../contracts/team.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../log.js';
import { findSession } from '../../team/sessions.repo.js';
import { startSession } from '../../team/sign-in.js';
import { findUser, membershipsOf, type Membership } from '../../team/users.repo.js';
import { readCookie, SESSION_COOKIE, setSessionCookie } from '../session-cookie.js';
import { acceptInvitation, previewInvitation } from '../../team/invitations.js';
import type { Mailer } from '../../team/mailer.js';
import type { OidcSignIn } from '../../team/oidc.js';
import { changePassword, requestPasswordReset, resetLink, resetPassword, sendResetEmail } from '../../team/password-reset.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { principalOf } from '../principal.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const workspacesOf = (ms: Membership[]) => ms.map((m) => ({ id: m.id, slug: m.slug, name: m.name, role: m.role, deleting: m.deleting }));

/**
 * The people side of signing in: accepting invitations, changing and resetting passwords,
 * OpenID Connect. Public routes (policy.ts) except the password change; sign-in, sign-out and
 * `me` are in auth.routes.ts.
 */
export function accountRoutes(app: FastifyInstance, deps: { db: Db; mailer: Mailer | null; publicUrl: string; oidc: OidcSignIn | null; log?: Logger }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const publicUrl = deps.publicUrl.replace(/\/$/, '');

  /** Open a session for the user, set its cookie, and answer what sign-in answers. */
  const signIn = async (req: FastifyRequest, reply: FastifyReply, userId: number): Promise<SignedIn> => {
    const user = (await findUser(deps.db, userId))!;
    const s = await startSession(deps.db, user, { ip: req.ip, userAgent: req.headers['user-agent'] });
    setSessionCookie(reply, req, s.token, s.expiresAt);
    return {
      user: { id: user.id, email: user.email, name: user.name },
      workspaces: workspacesOf(s.workspaces),
      csrfToken: s.csrf,
    };
  };

  r.get('/api/auth/invitations/:token', {
    schema: {
      tags: ['auth'],
      summary: 'What an invitation link is for (email, role, workspace, whether the email has an account already)',
      params: z.object({ token: z.string().min(10).max(200) }),
      response: { 200: InvitationPreview, ...errors },
    },
    handler: async (req) => {
      const res = await previewInvitation(deps.db, req.params.token, new Date());
      if (!res.ok) throw httpErrorOf(res);
      return res.value;
    },
  });

  r.post('/api/auth/invitations/accept', {
    schema: {
      tags: ['auth'],
      summary: 'Accept an invitation: a new email creates the account (password required); an existing account signs in or gives its password. Signs the browser in.',
      body: AcceptInvitationInput,
      response: { 200: SignedIn, ...errors },
    },
    handler: async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      const session = token ? await findSession(deps.db, token) : null;
      const res = await acceptInvitation(deps.db, { ...req.body, sessionUserId: session?.userId ?? null, now: new Date() });
      if (!res.ok) throw httpErrorOf(res);
      return signIn(req, reply, res.value.userId);
    },
  });

  r.post('/api/auth/password', {
    schema: {
      tags: ['auth'],
      summary: 'Change your password (the current one is needed); your other sessions end, this one stays',
      body: PasswordChangeInput,
      response: { 200: SignedIn, ...errors },
    },
    handler: async (req) => {
      const p = principalOf(req);
      if (p?.kind !== 'user') throw new HttpError('bad_parameter', 'only a signed-in person has a password to change (API keys have none)');
      const res = await changePassword(deps.db, p.userId, req.body.current, req.body.password, readCookie(req, SESSION_COOKIE));
      if (!res.ok) throw httpErrorOf(res);
      const user = (await findUser(deps.db, p.userId))!;
      return { user: { id: user.id, email: user.email, name: user.name }, workspaces: workspacesOf(await membershipsOf(deps.db, user.id)), csrfToken: p.csrf };
    },
  });

  r.post('/api/auth/password-reset/request', {
    schema: {
      tags: ['auth'],
      summary: 'Ask for a password reset link by email (valid 1 hour). Always 202, whether or not the email has an account.',
      body: PasswordResetRequest,
      response: { 202: z.object({ message: z.string() }), ...errors },
    },
    handler: async (req, reply) => {
      const reset = await requestPasswordReset(deps.db, req.body.email, new Date());
      if (reset) {
        if (!deps.mailer) deps.log?.warn('a password reset was asked for, but SMTP is not configured (SMTP_URL): no email can go out');
        else {
          // Not awaited: the answer takes as long whether the account exists or not.
          const mailer = deps.mailer;
          void sendResetEmail(mailer, reset.email, resetLink(publicUrl, reset.token))
            .then((sent) => (sent ? undefined : deps.log?.warn('password reset email failed')))
            .catch((err: unknown) => deps.log?.error({ err }, 'password reset email failed'));
        }
      }
      return reply.status(202).send({ message: 'If an account has this email, a link to reset its password is on its way (valid 1 hour).' });
    },
  });

  r.post('/api/auth/password-reset', {
    schema: {
      tags: ['auth'],
      summary: 'Set a new password with a reset link’s token (once); every session of the account ends',
      body: PasswordResetInput,
      response: { 200: z.object({ message: z.string() }), ...errors },
    },
    handler: async (req) => {
      const res = await resetPassword(deps.db, req.body.token, req.body.password, new Date());
      if (!res.ok) throw httpErrorOf(res);
      return { message: 'Your password is changed; sign in with it.' };
    },
  });

  r.get('/api/auth/oidc', {
    schema: { tags: ['auth'], summary: 'Whether single sign-on (OpenID Connect) is configured, and its name', response: { 200: z.object({ enabled: z.boolean(), name: z.string().nullable() }) } },
    handler: async () => ({ enabled: deps.oidc !== null, name: deps.oidc?.settings.name ?? null }),
  });

  r.get('/api/auth/oidc/start', {
    schema: {
      tags: ['auth'],
      summary: 'Start single sign-on: redirects to the provider',
      querystring: z.object({
        returnTo: z
          .string()
          .max(500)
          .regex(/^\/(?!\/)/, 'must be a path of this site')
          .optional(),
      }),
      response: { 302: z.null(), ...errors },
    },
    handler: async (req, reply) => {
      if (!deps.oidc) throw new HttpError('not_found', 'single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)');
      const res = await deps.oidc.start(deps.db, new Date(), req.query.returnTo ?? null);
      if (!res.ok) throw httpErrorOf(res);
      return reply.redirect(res.value.toString(), 302);
    },
  });

  r.get('/api/auth/oidc/callback', {
    schema: { tags: ['auth'], summary: 'Where the provider sends the browser back: signs in and redirects to the dashboard', response: { 302: z.null(), ...errors } },
    handler: async (req, reply) => {
      if (!deps.oidc) throw new HttpError('not_found', 'single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)');
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      const res = await deps.oidc.finish(deps.db, query, new Date());
      if (!res.ok) return reply.redirect(`${publicUrl}/signin?error=${encodeURIComponent(res.message)}`, 302);
      await signIn(req, reply, res.value.userId);
      return reply.redirect(`${publicUrl}${res.value.returnTo ?? '/'}`, 302);
    },
  });
}
