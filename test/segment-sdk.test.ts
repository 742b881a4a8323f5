import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { freePort, killHard, serverTargets, spawnServer } from '../src/test-support/child-server.js';
import { http } from '../src/test-support/harness.js';

const WRITE_KEY = 'tw_sdk_test_write_key_0123456789abcdef';
const ADMIN_KEY = 'ta_sdk_test_admin_key_0123456789abcdef';

const targets = serverTargets('sdk');

for (const target of targets) {
  describe(`the unmodified @segment/analytics-node client (${target.name})`, () => {
    let server: Awaited<ReturnType<typeof spawnServer>>;
    before(async () => {
      server = await spawnServer({ ...(await target.env()), TENURE_WRITE_KEY: WRITE_KEY, TENURE_ADMIN_KEY: ADMIN_KEY }, await freePort());
    });
    after(async () => {
      await killHard(server.child);
      await target.cleanup();
    });

    it('sends anonymous then identified activity, and the admin API returns one merged profile', async () => {
      const analytics = new Analytics({ writeKey: WRITE_KEY, host: server.url, flushAt: 3, flushInterval: 200, maxRetries: 1 });
      const errors: unknown[] = [];
      analytics.on('error', (e) => errors.push(e));
      analytics.page({ anonymousId: 'sdk-anon-1', name: 'Home', properties: { url: 'https://shop.example/' }, context: { campaign: { source: 'facebook', medium: 'paid_social', name: 'launch' } } });
      analytics.track({ anonymousId: 'sdk-anon-1', event: 'Product Viewed', properties: { sku: 'SKU-1', price: 19 } });
      analytics.identify({ userId: 'sdk-user-1', anonymousId: 'sdk-anon-1', traits: { email: 'sdk@example.com', plan: 'trial' } });
      analytics.track({ userId: 'sdk-user-1', event: 'Order Completed', properties: { revenue: 19, order_id: 'o-1' } });
      analytics.group({ userId: 'sdk-user-1', groupId: 'sdk-co', traits: { name: 'SDK Co' } });
      await analytics.closeAndFlush({ timeout: 10_000 });
      assert.deepEqual(errors, []);

      const auth = `Bearer ${ADMIN_KEY}`;
      const profile = await http(`${server.url}/api/customers/sdk-user-1`, { auth });
      assert.equal(profile.status, 200);
      assert.equal(profile.body.userId, 'sdk-user-1');
      assert.deepEqual(profile.body.anonymousIds, ['sdk-anon-1']);
      assert.deepEqual(profile.body.traits, { email: 'sdk@example.com', plan: 'trial' });
      assert.deepEqual(profile.body.accountIds, ['sdk-co']);
      assert.equal(profile.body.acquisitionChannel, 'paid_social');
      const sameByAnon = await http(`${server.url}/api/customers/sdk-anon-1`, { auth });
      assert.equal(sameByAnon.body.customerId, profile.body.customerId);
      const events = await http(`${server.url}/api/customers/sdk-user-1/events`, { auth });
      // The customer's calls, and (type `tenure`) the lifecycle stage moves Tenure recorded.
      const sent = events.body.events.filter((e: { type: string }) => e.type !== 'tenure');
      assert.deepEqual(sent.map((e: { type: string }) => e.type).sort(), ['group', 'identify', 'page', 'track', 'track']);
      const lib = sent[0].context.library;
      assert.equal(lib.name, '@segment/analytics-node', 'the SDK context is kept');
    });
  });
}
