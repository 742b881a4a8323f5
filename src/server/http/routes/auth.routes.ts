import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { MeView, ROLE_PERMISSIONS, SCOPE_PERMISSIONS, SignedIn, SignInInput, type WorkspaceMembership } from '../../../contracts/team.js';
import type { Db } from '../../db/client.js';
import { signInWithPassword } from '../../team/sign-in.js';
import { deleteSession } from '../../team/sessions.repo.js';
import { membershipsOf, normaliseEmail } from '../../team/users.repo.js';
import { sessionUserOf } from '../authorize.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { principalOf } from '../principal.js';
import { TokenBuckets } from '../rate-limit.js';
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from '../session-cookie.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };
const tags = ['auth'];

const memberships = (ms: Array<{ id: number; slug: string; name: string; role: WorkspaceMembership['role']; deleting: boolean }>): WorkspaceMembership[] =>
  ms.map((m) => ({ id: m.id, slug: m.slug, name: m.name, role: m.role, deleting: m.deleting }));

const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

/** Sign in with email and password (a session cookie), sign out, and who am I. */
export function authRoutes(app: FastifyInstance, deps: { db: Db; limits?: { perEmailPerMinute?: number; perIpPerMinute?: number } }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Password guessing: 5 tries a minute per email (bursts of 10), 30 per IP.
  const perEmail = new TokenBuckets({ perSecond: (deps.limits?.perEmailPerMinute ?? 5) / 60, capacity: 2 * (deps.limits?.perEmailPerMinute ?? 5) });
  const perIp = new TokenBuckets({ perSecond: (deps.limits?.perIpPerMinute ?? 30) / 60, capacity: 2 * (deps.limits?.perIpPerMinute ?? 30) });

  r.post('/api/auth/signin', {
    schema: { tags, summary: 'Sign in with email and password: sets the HTTP-only session cookie and answers the CSRF token', body: SignInInput, response: { 200: SignedIn, ...errors } },
    handler: async (req, reply) => {
      const now = Date.now();
      const waitIp = perIp.take(req.ip, now);
      const waitEmail = perEmail.take(normaliseEmail(req.body.email), now);
      const wait = Math.max(waitIp, waitEmail);
      if (wait > 0) throw new HttpError('rate_limited', `too many sign-in attempts; try again in ${wait} s`, { retryAfter: wait });
      const res = await signInWithPassword(deps.db, req.body.email, req.body.password, meta(req));
      if (!res.ok) throw httpErrorOf(res as typeof res & { code: 'unauthorized' | 'forbidden' });
      const s = res.value;
      setSessionCookie(reply, req, s.token, s.expiresAt);
      return { user: { id: s.user.id, email: s.user.email, name: s.user.name }, workspaces: memberships(s.workspaces), csrfToken: s.csrf };
    },
  });

  r.post('/api/auth/signout', {
    schema: { tags, summary: 'End this session (the cookie is cleared); answers 204 even when there was none', response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) await deleteSession(deps.db, token);
      clearSessionCookie(reply, req);
      return reply.code(204).send(null);
    },
  });

  r.get('/api/auth/me', {
    schema: { tags, summary: 'Who this request is (a user or an API key), in which workspace, with what permissions and CSRF token', response: { 200: MeView, ...errors } },
    handler: async (req) => {
      const p = principalOf(req);
      const user = sessionUserOf(req);
      if (user) {
        const ws = p?.kind === 'user' ? p : null;
        return {
          user: { id: user.userId, email: user.email, name: user.name },
          key: null,
          workspace: ws ? { id: ws.ws.id, slug: ws.ws.slug, name: ws.ws.name } : null,
          role: ws ? ws.role : null,
          permissions: ws ? [...ROLE_PERMISSIONS[ws.role]] : ['session' as const],
          workspaces: memberships(await membershipsOf(deps.db, user.userId)),
          csrfToken: user.csrf,
        };
      }
      if (p?.kind !== 'key') throw new HttpError('unauthorized', 'sign in, or send an API key as `Authorization: Bearer <key>`');
      return {
        user: null,
        key: { id: p.keyId, name: p.name, scope: p.scope },
        workspace: { id: p.ws.id, slug: p.ws.slug, name: p.ws.name },
        role: null,
        permissions: [...SCOPE_PERMISSIONS[p.scope]],
        workspaces: [],
        csrfToken: null,
      };
    },
  });
}
