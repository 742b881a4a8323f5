import { randomBytes } from 'node:crypto';
import type { Role } from '../contracts/team.js';
import type { Db } from '../server/db/client.js';
import { addMembership, createUser } from '../server/team/users.repo.js';

/** A signed-in member for HTTP tests: the headers a browser would send (cookie, CSRF token, workspace). */
export interface SignedInMember {
  userId: number;
  email: string;
  password: string;
  cookie: string;
  csrf: string;
  /** cookie + x-csrf-token + x-tenure-workspace. */
  headers: Record<string, string>;
}

/** Make a user with `role` in the workspace and sign them in over real HTTP (POST /api/auth/signin). */
export async function signInAs(url: string, db: Db, workspaceId: number, role: Role, opts: { email?: string; password?: string; name?: string } = {}): Promise<SignedInMember> {
  const email = opts.email ?? `${role}-${randomBytes(4).toString('hex')}@example.test`;
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const user = await createUser(db, { email, name: opts.name ?? role, password });
  await addMembership(db, workspaceId, user.id, role);
  return signInWithHttp(url, email, password, workspaceId, user.id);
}

/** Sign in an existing user over real HTTP. */
export async function signInWithHttp(url: string, email: string, password: string, workspaceId?: number, userId?: number): Promise<SignedInMember> {
  const res = await fetch(`${url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`sign-in as ${email} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string; user: { id: number } };
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const headers: Record<string, string> = { cookie, 'x-csrf-token': body.csrfToken };
  if (workspaceId !== undefined) headers['x-tenure-workspace'] = String(workspaceId);
  return { userId: userId ?? body.user.id, email, password, cookie, csrf: body.csrfToken, headers };
}
