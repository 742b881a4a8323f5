/**
 * Every route that changes something in a workspace (policy.ts: not a GET, and needing more
 * than public, ingest or read) is in the audit table or listed as not audited with the reason;
 * so are the reads that hand out customer data or secrets in bulk (privacy exports). A new
 * settings route cannot be forgotten silently.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTE_POLICY } from './policy.js';
import { AUDITED_ROUTES, NOT_AUDITED } from './audited-routes.js';

describe('the audited routes table', () => {
  it('covers every changing route of the policy table', () => {
    const missing = Object.entries(ROUTE_POLICY)
      .filter(([route, perm]) => !route.startsWith('GET ') && !['public', 'ingest', 'read'].includes(perm))
      .map(([route]) => route)
      .filter((route) => !(route in AUDITED_ROUTES) && !(route in NOT_AUDITED));
    assert.deepEqual(missing, [], 'add these to AUDITED_ROUTES (or to NOT_AUDITED with the reason) in src/server/http/audited-routes.ts');
  });

  it('covers the privacy reads (exports and archives)', () => {
    const missing = Object.entries(ROUTE_POLICY)
      .filter(([route, perm]) => route.startsWith('GET ') && perm === 'privacy.manage' && /export|archive/.test(route))
      .map(([route]) => route)
      .filter((route) => !(route in AUDITED_ROUTES));
    assert.deepEqual(missing, []);
  });

  it('names only routes that exist, each once, with an action of the form object.verb', () => {
    for (const route of [...Object.keys(AUDITED_ROUTES), ...Object.keys(NOT_AUDITED)]) assert.ok(route in ROUTE_POLICY, `${route} is not in policy.ts`);
    for (const route of Object.keys(AUDITED_ROUTES)) assert.ok(!(route in NOT_AUDITED), `${route} is both audited and not`);
    for (const [route, r] of Object.entries(AUDITED_ROUTES)) {
      assert.match(r.action, /^[a-z_]+\.[a-z_]+$/, route);
      assert.match(r.objectType, /^[a-z_]+$/, route);
      assert.ok(!(r.read && r.summary), `${route}: a reader or a summary, not both`);
    }
    for (const [route, reason] of Object.entries(NOT_AUDITED)) assert.ok(reason.length > 10, `${route} needs a reason`);
  });
});
