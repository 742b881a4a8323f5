import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';
import { purgeProperty } from './purge.js';

/**
 * Purging one property across events in a time range: hand-made events inside and outside the
 * range, with and without the event filter, a nested path, a context field, a trait (and the
 * profile's copy), the copies in journey runs, messages and signals, and batches.
 */
for (const target of dbTargets()) {
  describe(`property purge (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let ws: number;
    let c: number;
    const FROM = '2026-02-01T00:00:00Z';
    const TO = '2026-02-28T23:59:59Z';

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'acme');
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      server = await startServer(db, { stages: null, segments: null });
      assert.equal((await http(`${server.url}/v1/identify`, { auth: basic(keys.writeKey), body: { userId: 'pat', traits: { plan: 'pro' } } })).status, 200);
      c = await until('pat', async () => {
        const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'pat'`, [ws]);
        return rows[0] ? Number(rows[0].id) : undefined;
      });
      const ev = (mid: string, type: string, name: string | null, at: string, props: unknown, traits: unknown = null) =>
        db.query(
          `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, traits, context)
           VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, '{"ip":"203.0.113.9","library":{"name":"x"}}')`,
          [ws, c, mid, type, name, at, JSON.stringify(props), traits === null ? null : JSON.stringify(traits)],
        );
      await ev('e1', 'track', 'Order Completed', '2026-01-10T12:00:00Z', { card: { number: '4111', brand: 'visa' }, total: 5 });
      await ev('e2', 'track', 'Order Completed', '2026-02-10T12:00:00Z', { card: { number: '4222', brand: 'mc' }, total: 7 });
      await ev('e3', 'track', 'Order Completed', '2026-03-10T12:00:00Z', { card: { number: '4333' } });
      await ev('e4', 'track', 'Signed Up', '2026-02-11T12:00:00Z', { card: { number: '4444' } });
      await ev('e5', 'track', 'Order Completed', '2026-02-12T12:00:00Z', { total: 9 });
      await ev('e6', 'identify', null, '2026-02-05T00:00:00Z', {}, { ssn: '078-05-1120' });
      await db.query(`UPDATE customers SET traits = traits || '{"ssn":"078-05-1120"}', trait_times = coalesce(trait_times, '{}') || '{"ssn":"2026-02-05T00:00:00Z"}' WHERE id = $1`, [c]);
      // Copies of e2 (in range) and e3 (out of range) kept by journeys and messages.
      for (const [mid, number] of [
        ['e2', '4222'],
        ['e3', '4333'],
      ] as const) {
        const trigger = { name: 'Order Completed', properties: { card: { number, brand: 'x' } }, messageId: mid };
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, status, step, state, entry_key, trigger, entered_at)
           VALUES ($1, 'j-' || $3, 1, $2, 'active', 's', '{}', $3, $4, now()) RETURNING id`,
          [ws, c, `event:${mid}`, JSON.stringify(trigger)],
        );
        await db.query(`INSERT INTO journey_signals (run_id, event) VALUES ($1, $2)`, [rows[0]!.id, JSON.stringify(trigger)]);
        await db.query(`INSERT INTO messages (workspace_id, customer_id, channel, idempotency_key, status, context, created_at) VALUES ($1, $2, 'email', $3, 'sent', $4, now())`, [
          ws,
          c,
          `m-${mid}`,
          JSON.stringify({ journey: { id: 'j' }, event: trigger }),
        ]);
      }
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    const props = async (mid: string) =>
      (
        await db.query<{ properties: Record<string, unknown>; context: Record<string, unknown>; traits: unknown }>(
          `SELECT properties, context, traits FROM events WHERE workspace_id = $1 AND message_id = $2`,
          [ws, mid],
        )
      ).rows[0]!;
    const numberIn = async (table: 'journey_runs' | 'messages' | 'journey_signals', mid: string) => {
      const sql = {
        journey_runs: `SELECT trigger #>> '{properties,card,number}' AS n FROM journey_runs WHERE trigger ->> 'messageId' = $1`,
        messages: `SELECT context #>> '{event,properties,card,number}' AS n FROM messages WHERE context -> 'event' ->> 'messageId' = $1`,
        journey_signals: `SELECT event #>> '{properties,card,number}' AS n FROM journey_signals WHERE event ->> 'messageId' = $1`,
      }[table];
      return (await db.query<{ n: string | null }>(sql, [mid])).rows[0]!.n;
    };

    it('a nested path of one event name in the range: only e2, its copies too; the request holds the receipt', async () => {
      const res = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'properties.card.number', event: 'Order Completed', from: FROM, to: TO } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.events, 1);
      assert.deepEqual((await props('e2')).properties, { card: { brand: 'mc' }, total: 7 });
      assert.deepEqual((await props('e1')).properties, { card: { number: '4111', brand: 'visa' }, total: 5 });
      assert.deepEqual((await props('e3')).properties, { card: { number: '4333' } });
      assert.deepEqual((await props('e4')).properties, { card: { number: '4444' } }); // another event name
      for (const t of ['journey_runs', 'messages', 'journey_signals'] as const) {
        assert.equal(await numberIn(t, 'e2'), null, `${t} still holds e2's number`);
        assert.equal(await numberIn(t, 'e3'), '4333', `${t} lost e3's number (outside the range)`);
      }
      const { rows } = await db.query<{ kind: string; status: string; receipt: Record<string, unknown>; finished_at: Date | null; subject: Record<string, unknown> }>(
        `SELECT kind, status, receipt, finished_at, subject FROM privacy_requests WHERE workspace_id = $1 AND id = $2`,
        [ws, res.body.requestId],
      );
      assert.equal(rows[0]!.kind, 'purge_property');
      assert.equal(rows[0]!.status, 'done');
      assert.ok(rows[0]!.finished_at);
      assert.deepEqual(
        { ...rows[0]!.receipt, finishedAt: undefined },
        {
          property: 'properties.card.number',
          event: 'Order Completed',
          from: '2026-02-01T00:00:00.000Z',
          to: '2026-02-28T23:59:59.000Z',
          events: 1,
          journeyRuns: 1,
          messages: 1,
          journeySignals: 1,
          profiles: 0,
          finishedAt: undefined,
        },
      );
      assert.deepEqual(rows[0]!.subject, { property: 'properties.card.number', event: 'Order Completed', from: '2026-02-01T00:00:00.000Z', to: '2026-02-28T23:59:59.000Z' });
    });

    it('without the event filter: every event name in the range (e4 now; e2 has nothing left)', async () => {
      const res = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'properties.card.number', from: FROM, to: TO } });
      assert.equal(res.status, 200);
      assert.equal(res.body.events, 1);
      assert.deepEqual((await props('e4')).properties, { card: {} });
      assert.deepEqual((await props('e3')).properties, { card: { number: '4333' } });
    });

    it('a context field: e2, e4, e5 and e6 are in the range; the rest of the context stays', async () => {
      const res = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'context.ip', from: FROM, to: TO } });
      assert.equal(res.body.events, 4);
      assert.deepEqual((await props('e5')).context, { library: { name: 'x' } });
      assert.equal((await props('e1')).context.ip, '203.0.113.9');
    });

    it("a trait: the identify event's copy and the profile's, set in the range", async () => {
      const res = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'traits.ssn', from: FROM, to: TO } });
      assert.equal(res.body.events, 1);
      assert.deepEqual((await props('e6')).traits, {});
      const { rows } = await db.query<{ traits: Record<string, unknown> }>(`SELECT traits FROM customers WHERE id = $1`, [c]);
      assert.equal(rows[0]!.traits.ssn, undefined);
      assert.equal(rows[0]!.traits.plan, 'pro');
    });

    it('in batches: 7 matching events with batches of 3 are all purged (3 + 3 + 1)', async () => {
      await db.query(
        `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, context)
         SELECT $1, $2, 'b' || g, 'track', 'Viewed', '2026-02-20T00:00:00Z'::timestamptz + g * interval '1 minute', now(), jsonb_build_object('token', 't' || g, 'keep', g), '{}' FROM generate_series(1, 7) g`,
        [ws, c],
      );
      const done = await purgeProperty(db, ws, { property: 'properties.token', from: FROM, to: TO }, { kind: 'system', label: 'test' }, { batch: 3 });
      assert.ok(done.ok);
      assert.equal(done.value.events, 7);
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND properties ? 'token'`, [ws]);
      assert.equal(rows[0]!.n, 0);
      const { rows: kept } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND properties ? 'keep'`, [ws]);
      assert.equal(kept[0]!.n, 7);
    });

    it('refuses a path outside properties/context/traits and a range that ends before it starts', async () => {
      const bad = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'user_id.x', from: FROM, to: TO } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      const backwards = await http(`${server.url}/api/privacy/purge-property`, { auth: admin, body: { property: 'properties.x', from: TO, to: FROM } });
      assert.equal(backwards.status, 400);
      assert.match(backwards.body.error.message, /must not be after/);
    });
  });
}
