/**
 * The route × role matrix: every route the server registers is called, over real HTTP, as
 * every role (a signed-in member) and every API key scope, and without credentials. A
 * caller the policy table (policy.ts) refuses must get 403 from the policy; a caller it
 * allows must get past it (any answer but 401 and the policy's 403). Routes come from the
 * server itself (registeredRoutes), so a new route is in the matrix the day it is added.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyScope, Role, roleMay, scopeMay, type Permission } from '../../contracts/team.js';
import type { Db } from '../db/client.js';
import { createApiKey } from '../workspaces/api-keys.repo.js';
import { dbTargets, makeWorkspace, startServer } from '../../test-support/harness.js';
import { signInAs, type SignedInMember } from '../../test-support/team.js';
import { registeredRoutes } from './app.js';
import { ROUTE_POLICY, routePermission } from './policy.js';

/** A value for each path parameter: enough to reach the route (its answer may then be 404 or 400). */
const PARAM: Record<string, string> = { token: 'x'.repeat(24), channel: 'email', key: 'engagement', name: 'clv', file: 'x.js', writeKey: 'tw_nobody', workspaceSlug: 'nobody', workspace: 'nobody' };
const fill = (url: string) => url.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(PARAM[p] ?? '999999'));
/** The policy's own refusals (authorize.ts), told apart from a route's own 403s. */
const POLICY_REFUSAL = /does not allow|cannot do this|no entry in the policy table|can only send events/;

interface Answer {
  status: number;
  message: string;
}

async function call(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 15_000);
  try {
    // Changes send an empty JSON object: most are then refused by their schema (400), after the policy.
    const init: RequestInit = { method, headers: { ...headers }, signal: ctl.signal };
    if (method !== 'GET' && method !== 'DELETE') {
      init.body = '{}';
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(url, init);
    const type = res.headers.get('content-type') ?? '';
    let message = '';
    if (type.includes('json')) message = ((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? '';
    else await res.body?.cancel();
    return { status: res.status, message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The table itself, checked against rules written apart from it, so a row made too generous
 * by mistake fails here (the matrix below only checks that the server enforces the table).
 */
describe('the policy table', () => {
  /** Changes that change nothing: previews render, they do not save. */
  const READ_ONLY_CHANGES = new Set(['POST /api/segments/preview', 'POST /api/templates/:id/preview', 'POST /api/templates/preview', 'POST /api/surveys/preview']);
  /** Reads that hold secrets or personal data in bulk, and the admin-only logs. */
  const GUARDED_READS: Record<string, Permission> = {
    'GET /api/helpdesk/connections': 'settings.write',
    'GET /api/helpdesk/connections/:id': 'settings.write',
    'GET /api/helpdesk/connections/:id/deliveries': 'settings.write',
    'GET /api/workspace/keys': 'keys.manage',
    'GET /api/workspace/inbox': 'keys.manage',
    'GET /api/keys': 'keys.manage',
    'GET /api/loyalty/members/:id/link': 'customers.write',
    'GET /api/invitations': 'members.manage',
    'GET /api/audit': 'audit.read',
    'GET /api/audit.csv': 'audit.read',
    'GET /api/privacy/requests': 'privacy.manage',
    'GET /api/privacy/requests/:id': 'privacy.manage',
    'GET /api/privacy/requests/:id/archive': 'privacy.manage',
    'GET /api/privacy/suppressions': 'privacy.manage',
    'GET /api/customers/:id/export': 'privacy.manage',
  };

  it('lets no admin API change through with only the read permission, except previews', () => {
    const loose = Object.entries(ROUTE_POLICY).filter(([k, p]) => k.includes(' /api/') && !k.startsWith('GET ') && p === 'read' && !READ_ONLY_CHANGES.has(k));
    assert.deepEqual(loose, []);
  });

  it('guards secrets, personal data in bulk, the audit log and privacy requests beyond read', () => {
    for (const [route, p] of Object.entries(GUARDED_READS)) assert.equal(ROUTE_POLICY[route], p, route);
    const guarded = Object.entries(ROUTE_POLICY).filter(([k, p]) => k.startsWith('GET /api/') && !['read', 'session', 'public'].includes(p));
    assert.deepEqual(Object.fromEntries(guarded), GUARDED_READS, 'a GET needing more than read is listed here with its reason');
  });

  it('keeps members, deleting the workspace and the audit log away from marketers, analysts and support', () => {
    for (const role of ['marketer', 'analyst', 'support'] as const)
      for (const p of ['members.manage', 'workspace.delete', 'audit.read', 'privacy.manage', 'keys.manage', 'settings.write'] as const) assert.equal(roleMay(role, p), false, `${role} ${p}`);
    assert.equal(roleMay('admin', 'workspace.delete'), false);
    assert.equal(scopeMay('admin', 'members.manage'), false);
    assert.equal(scopeMay('read', 'marketing.write'), false);
  });
});

for (const target of dbTargets().slice(0, 1)) {
  describe(`route × role matrix (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    const members = new Map<Role, SignedInMember>();
    const keys = new Map<KeyScope, string>();

    before(async () => {
      db = await target.open();
      const { workspace } = await makeWorkspace(db, 'matrix');
      server = await startServer(db, { stages: null, segments: null });
      for (const role of Role.options) members.set(role, await signInAs(server.url, db, workspace.id, role));
      for (const scope of KeyScope.options) keys.set(scope, (await createApiKey(db, workspace.id, { name: `${scope} key`, scope, createdBy: null })).secret);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('has a policy for every registered route', () => {
      const routes = registeredRoutes(server.app);
      assert.ok(routes.length > 150, `only ${routes.length} routes registered`);
      assert.deepEqual(
        routes.filter((r) => routePermission(r.method, r.url, r.config) === undefined).map((r) => `${r.method} ${r.url}`),
        [],
      );
    });

    it('has no policy row for a route the server does not register (a typo, or a route removed)', () => {
      const registered = new Set(registeredRoutes(server.app).map((r) => `${r.method} ${r.url}`));
      assert.deepEqual(
        Object.keys(ROUTE_POLICY).filter((k) => !registered.has(k)),
        [],
      );
    });

    it('lets every role do exactly what its permissions allow, on every route', async () => {
      const wrong: string[] = [];
      let calls = 0;
      for (const r of registeredRoutes(server.app)) {
        const p = routePermission(r.method, r.url, r.config) as Permission;
        if (p === 'public') continue;
        for (const role of Role.options) {
          const a = await call(`${server.url}${fill(r.url)}`, r.method, members.get(role)!.headers);
          calls++;
          // A session cookie is not an ingestion credential: ingestion answers 401 to it.
          const allowed = p !== 'ingest' && roleMay(role, p);
          const refused = a.status === 403 && POLICY_REFUSAL.test(a.message);
          if (allowed && (refused || a.status === 401)) wrong.push(`${role} refused ${r.method} ${r.url} (${p}): ${a.status} ${a.message}`);
          if (!allowed && !(refused || (p === 'ingest' && a.status === 401))) wrong.push(`${role} allowed ${r.method} ${r.url} (${p}): ${a.status} ${a.message}`);
        }
      }
      assert.ok(calls > 700, `only ${calls} calls`);
      assert.deepEqual(wrong, []);
    });

    it('lets every key scope do exactly what it allows, on every route', async () => {
      const wrong: string[] = [];
      for (const r of registeredRoutes(server.app)) {
        const p = routePermission(r.method, r.url, r.config) as Permission;
        if (p === 'public') continue;
        for (const scope of KeyScope.options) {
          const a = await call(`${server.url}${fill(r.url)}`, r.method, { authorization: `Bearer ${keys.get(scope)}` });
          const allowed = scopeMay(scope, p);
          const refused = a.status === 403 && POLICY_REFUSAL.test(a.message);
          if (allowed && (refused || a.status === 401)) wrong.push(`${scope} key refused ${r.method} ${r.url} (${p}): ${a.status} ${a.message}`);
          if (!allowed && !refused) wrong.push(`${scope} key allowed ${r.method} ${r.url} (${p}): ${a.status} ${a.message}`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    it('refuses every non-public route without credentials (401), and asks nothing of public ones', async () => {
      const wrong: string[] = [];
      for (const r of registeredRoutes(server.app)) {
        const p = routePermission(r.method, r.url, r.config) as Permission;
        const a = await call(`${server.url}${fill(r.url)}`, r.method, {});
        if (p === 'public' ? a.status === 401 : a.status !== 401) wrong.push(`${r.method} ${r.url} (${p}) without credentials: ${a.status} ${a.message}`);
      }
      assert.deepEqual(wrong, []);
    });

    it('refuses a signed-in change without the CSRF token, and with a wrong one', async () => {
      const owner = members.get('owner')!;
      const { 'x-csrf-token': _drop, ...noCsrf } = owner.headers;
      const body = JSON.stringify({ name: 'Renamed' });
      const without = await fetch(`${server.url}/api/workspace`, { method: 'PATCH', headers: { ...noCsrf, 'content-type': 'application/json' }, body });
      assert.equal(without.status, 403);
      assert.match(((await without.json()) as { error: { message: string } }).error.message, /x-csrf-token/);
      const wrongToken = await fetch(`${server.url}/api/workspace`, { method: 'PATCH', headers: { ...owner.headers, 'x-csrf-token': 'x'.repeat(32), 'content-type': 'application/json' }, body });
      assert.equal(wrongToken.status, 403);
      const right = await fetch(`${server.url}/api/workspace`, { method: 'PATCH', headers: { ...owner.headers, 'content-type': 'application/json' }, body });
      assert.equal(right.status, 200);
      // Reads need no token.
      assert.equal((await fetch(`${server.url}/api/workspace`, { headers: noCsrf })).status, 200);
    });
  });
}
