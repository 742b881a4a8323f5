import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

/**
 * The admin API's messaging reads and writes that no journey test reaches: renaming a
 * subscription group, recording a customer's choices, the outbox's filters and paging, a
 * customer's messages, a template in use, an account's stages and the product list.
 */
for (const target of dbTargets()) {
  describe(`messaging admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    const send = (path: string, body: unknown) => http(`${server.url}${path}`, { auth: basic(ws.writeKey), body });
    const api = (path: string, init: { method?: string; body?: unknown } = {}) => http(`${server.url}${path}`, { auth: `Bearer ${ws.adminKey}`, ...init });

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db);
      server = await startServer(db, { stages: null, segments: null });
      assert.equal((await send('/v1/identify', { userId: 'ana', traits: { email: 'ana@example.com' } })).status, 200);
      assert.equal((await send('/v1/identify', { userId: 'bo', traits: { email: 'bo@example.com' } })).status, 200);
      assert.equal((await send('/v1/group', { userId: 'ana', groupId: 'acme', traits: { name: 'Acme' } })).status, 200);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('renames a subscription group, and answers 404 for one that does not exist', async () => {
      assert.equal((await api('/api/subscription-groups', { body: { id: 'news', name: 'News', channel: 'email' } })).status, 201);
      assert.equal((await api('/api/subscription-groups', { body: { id: 'news', name: 'Again', channel: 'email' } })).status, 409);
      const renamed = await api('/api/subscription-groups/news', { method: 'PUT', body: { name: 'Weekly news', description: 'Fridays' } });
      assert.equal(renamed.status, 200);
      assert.deepEqual({ ...renamed.body, createdAt: typeof renamed.body.createdAt }, { id: 'news', name: 'Weekly news', description: 'Fridays', channel: 'email', optIn: false, createdAt: 'string' });
      assert.deepEqual(
        (await api('/api/subscription-groups')).body.groups.map((g: { name: string }) => g.name),
        ['Weekly news'],
      );
      assert.equal((await api('/api/subscription-groups/nope', { method: 'PUT', body: { name: 'x' } })).status, 404);
    });

    it("records a customer's choices, refusing an unknown group", async () => {
      const unknown = await api('/api/customers/ana/subscriptions', { method: 'PUT', body: { groups: { nope: true } } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.field, 'groups.nope');
      const saved = await api('/api/customers/ana/subscriptions', { method: 'PUT', body: { groups: { news: false }, all: { email: true, sms: false, webhook: true, inapp: true } } });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.deepEqual(saved.body, { groups: [{ id: 'news', name: 'Weekly news', channel: 'email', subscribed: false, explicit: true }], unsubscribedFromAll: ['sms'], suppressed: [] });
      assert.deepEqual((await api('/api/customers/bo/subscriptions')).body.groups, [{ id: 'news', name: 'Weekly news', channel: 'email', subscribed: true, explicit: false }]);
      assert.equal((await api('/api/customers/nobody/subscriptions')).status, 404);
      // One channel alone: the others are left as they were.
      const smsBack = await api('/api/customers/ana/subscriptions', { method: 'PUT', body: { all: { sms: true } } });
      assert.equal(smsBack.status, 200, JSON.stringify(smsBack.body));
      assert.deepEqual(smsBack.body.unsubscribedFromAll, []);
      const emailOff = await api('/api/customers/ana/subscriptions', { method: 'PUT', body: { all: { email: false } } });
      assert.deepEqual(emailOff.body.unsubscribedFromAll, ['email']);
      assert.equal((await api('/api/customers/ana/subscriptions', { method: 'PUT', body: { all: { fax: false } } })).status, 400);
    });

    it('lists messages newest first, filtered and paged, and a customer’s own; a template in a journey is not deleted', async () => {
      assert.equal((await api('/api/templates', { body: { id: 'hello', name: 'Hello', channel: 'inapp', body: 'Hi {{ customer.userId }}' } })).status, 201);
      const ids: number[] = [];
      for (const who of ['ana', 'bo', 'ana']) ids.push((await api('/api/templates/hello/test-send', { body: { customerId: who } })).body.messageId);
      const all = (await api('/api/messages?channel=inapp')).body.messages;
      assert.deepEqual(
        all.map((m: { id: number }) => m.id),
        [...ids].reverse(),
      );
      assert.equal(all[0].templateId, 'hello');
      assert.deepEqual(
        (await api(`/api/messages?channel=inapp&limit=1&before=${ids[2]}`)).body.messages.map((m: { id: number }) => m.id),
        [ids[1]],
      );
      assert.deepEqual((await api('/api/messages?channel=sms')).body.messages, []);
      assert.deepEqual(
        (await api('/api/customers/ana/messages')).body.messages.map((m: { id: number }) => m.id),
        [ids[2], ids[0]],
      );
      const one = await api(`/api/messages/${ids[0]}`);
      assert.equal(one.body.id, ids[0]);
      assert.ok('html' in one.body && 'text' in one.body);
      assert.equal((await api('/api/messages/999999')).status, 404);

      const definition = {
        trigger: { event: { name: 'Signed Up' } },
        start: 'hi',
        steps: [
          { id: 'hi', type: 'send', channel: 'inapp', template: 'hello', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      };
      const created = await api('/api/journeys', { body: { name: 'Welcome', definition } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const refused = await api('/api/templates/hello', { method: 'DELETE' });
      assert.equal(refused.status, 409);
      assert.match(refused.body.error.message, new RegExp(`used by journeys ${created.body.id}`));
    });

    it("answers an account's stages, 404 for an unknown account, and the products (none yet)", async () => {
      const stages = await api('/api/accounts/acme/stages');
      assert.equal(stages.status, 200, JSON.stringify(stages.body));
      assert.equal((await api('/api/accounts/nope/stages')).status, 404);
      assert.deepEqual((await api('/api/products')).body, { products: [], computedAt: null });
    });
  });
}
