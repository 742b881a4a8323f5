import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { hostilePayloads, nested, nestedArrayText } from '../../test-support/hostile-payloads.js';

/**
 * Hostile input on the ingestion endpoints over real HTTP: absurd nesting, out-of-range
 * times, non-object context, astral characters, trait names that are Object.prototype
 * members, and a corpus of hostile requests. Refused requests answer 400 naming the field
 * (and the index in a batch), store nothing, and leave the server answering.
 */
for (const target of dbTargets()) {
  describe(`hostile ingestion input over HTTP (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    const send = (path: string, body: unknown) => http(`${server.url}${path}`, { auth: basic(ws.writeKey), body });
    const sendRaw = (path: string, rawBody: string) => http(`${server.url}${path}`, { auth: basic(ws.writeKey), rawBody, headers: { 'content-type': 'application/json' } });
    const admin = (path: string, init: { method?: string; body?: unknown } = {}) => http(`${server.url}${path}`, { auth: `Bearer ${ws.adminKey}`, ...init });
    const countEvents = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE workspace_id = $1', [ws.workspace.id])).rows[0]!.n;
    const alive = async () => assert.equal((await send('/v1/track', { userId: 'alive', event: 'Still Here' })).status, 200);

    /** Refused with 400 `code`, naming `field` (and `index`), and nothing stored. */
    async function refused(path: string, body: unknown, code: string, field: string | RegExp, index?: number, raw = false) {
      const before = await countEvents();
      const res = raw ? await sendRaw(path, body as string) : await send(path, body);
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.error.code, code, res.body.error.message);
      if (typeof field === 'string') assert.equal(res.body.error.field, field, res.body.error.message);
      else assert.match(res.body.error.field, field, res.body.error.message);
      assert.equal(res.body.error.index, index);
      assert.equal(await countEvents(), before, 'nothing of a refused request is stored');
      return res.body.error as { code: string; message: string; field: string; index?: number };
    }

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'hostile');
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    describe('absurd nesting', () => {
      it('refuses 3,000 levels in properties, traits and context with the field, and the index in a batch', async () => {
        const deep = nested(3_000);
        let e = await refused('/v1/track', { userId: 'n1', event: 'Deep', properties: { a: deep } }, 'invalid_event', /^properties\.a\.a\.a\.a\.a….a$/);
        assert.match(e.message, /nested more than 32 levels deep/);
        await refused('/v1/identify', { userId: 'n1', traits: deep }, 'invalid_event', /^traits\.a\.a/);
        await refused('/v1/page', { userId: 'n1', context: { x: deep } }, 'invalid_event', /^context\.x\.a/);
        const good = { type: 'track', userId: 'n1', event: 'Fine' };
        e = await refused('/v1/batch', { batch: [good, good, good, { ...good, properties: { a: deep } }] }, 'invalid_event', /^batch\.3\.properties\.a\.a\.a….a$/, 3);
        await refused('/v1/import', { batch: [good], context: deep }, 'invalid_event', /^context\.a\.a/);
        await alive();
      });

      it('refuses 100,000 levels without overflowing the stack (objects, arrays, in a batch)', async () => {
        await refused('/v1/track', `{"userId":"n2","event":"Deep","properties":{"a":${nestedArrayText(100_000)}}}`, 'invalid_event', /^properties\.a\.0\.0/, undefined, true);
        await refused(
          '/v1/batch',
          `{"batch":[{"type":"track","userId":"n2","event":"ok"},{"type":"track","userId":"n2","event":"e","properties":${'{"a":'.repeat(80_000)}1${'}'.repeat(80_000)}}]}`,
          'invalid_event',
          /^batch\.1\.properties\.a/,
          1,
          true,
        );
        await alive();
      });

      it('accepts 32 levels counted from the event object, refuses 33', async () => {
        const before = await countEvents();
        // event (1) → properties (2) → nested(30): levels 3 … 32.
        assert.equal((await send('/v1/track', { userId: 'n3', event: 'Deep Enough', properties: { a: nested(30) } })).status, 200);
        assert.equal((await send('/v1/batch', { batch: [{ type: 'track', userId: 'n3', event: 'Deep Enough', properties: { a: nested(30) } }] })).status, 200);
        assert.equal(await countEvents(), before + 2);
        await refused('/v1/track', { userId: 'n3', event: 'Too Deep', properties: { a: nested(31) } }, 'invalid_event', /^properties\.a\.a\.a.*….a$/);
        await refused('/v1/batch', { batch: [{ type: 'track', userId: 'n3', event: 'Too Deep', properties: { a: nested(31) } }] }, 'invalid_event', /^batch\.0\.properties/, 0);
      });

      it('refuses absurd nesting in admin bodies too (validation_failed), with the server still up', async () => {
        const res = await http(`${server.url}/api/segments`, {
          auth: `Bearer ${ws.adminKey}`,
          rawBody: `{"name":"deep","condition":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'validation_failed');
        assert.match(res.body.error.field, /^condition\.a\.a/);
        await alive();
      });

      it('answers invalid_json, not 500, for unparsable deep JSON', async () => {
        const res = await sendRaw('/v1/track', `{"userId":"n4","event":"x","properties":${'['.repeat(200_000)}`);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'invalid_json');
      });
    });

    describe('event times outside 1970-01-01 … 2100-01-01', () => {
      const calls: Record<string, Record<string, unknown>> = {
        track: { userId: 't1', event: 'Timed' },
        identify: { userId: 't1', traits: { a: 1 } },
        page: { userId: 't1', name: 'Home' },
        screen: { userId: 't1', name: 'Main' },
        group: { userId: 't1', groupId: 'g1' },
        alias: { userId: 't1', previousId: 't0' },
      };

      it('refuses epoch microseconds, year 0, year 10000 and more in every call type, naming the field', async () => {
        for (const [type, call] of Object.entries(calls)) {
          const e = await refused(`/v1/${type}`, { ...call, timestamp: 1.7e15 }, 'invalid_event', 'timestamp');
          assert.match(e.message, /`timestamp` 1700000000000000 \(read as epoch milliseconds: \+055840-.*\) is outside the accepted range 1970-01-01T00:00:00Z … 2100-01-01T00:00:00Z/);
          await refused(`/v1/${type}`, { ...call, timestamp: '0000-01-01T00:00:00Z' }, 'invalid_event', 'timestamp');
          await refused(`/v1/${type}`, { ...call, originalTimestamp: '+010000-01-01T00:00:00Z' }, 'invalid_event', 'originalTimestamp');
          await refused(`/v1/${type}`, { ...call, sentAt: '1969-12-31T23:59:59Z' }, 'invalid_event', 'sentAt');
          await refused(`/v1/${type}`, { ...call, timestamp: '2100-01-01T00:00:00Z' }, 'invalid_event', 'timestamp');
        }
        await alive();
      });

      it('refuses a clock-skew correction that leaves the window, blaming sentAt', async () => {
        // Sent "in 1970", happened in late 2099: corrected = now + 130 years.
        let e = await refused('/v1/track', { ...calls.track, timestamp: '2099-12-01T00:00:00Z', sentAt: '1970-01-02T00:00:00Z' }, 'invalid_event', 'sentAt');
        assert.match(e.message, /clock-skew correction .* outside the accepted range .*the cause is `sentAt` 1970-01-02/);
        e = await refused(
          '/v1/batch',
          {
            batch: [
              { type: 'track', ...calls.track },
              { type: 'track', ...calls.track, timestamp: '1971-01-01T00:00:00Z' },
            ],
            sentAt: '2099-01-01T00:00:00Z',
          },
          'invalid_event',
          'sentAt',
          1,
        );
        assert.match(e.message, /^batch\[1\]: the clock-skew correction/);
      });

      it('refuses a batch with one bad time atomically, naming its index; a batch-level sentAt is named at the top', async () => {
        const batch = Array.from({ length: 10 }, (_, i) => ({ type: 'track', userId: 't2', event: 'Batched', messageId: `t2-${i}`, ...(i === 7 ? { timestamp: 1.7e15 } : {}) }));
        const e = await refused('/v1/batch', { batch }, 'invalid_event', 'batch.7.timestamp', 7);
        assert.match(e.message, /^batch\[7\]: `timestamp` 1700000000000000/);
        await refused('/v1/batch', { batch: batch.slice(0, 3), sentAt: '0000-01-01T00:00:00Z' }, 'invalid_event', 'sentAt', 0);
        await alive();
      });

      it('accepts historical times (1997) and the edges of the window', async () => {
        const before = await countEvents();
        for (const t of ['1997-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2099-12-31T23:59:59.999Z', 852076800000]) {
          const res = await send('/v1/track', { userId: 't3', event: 'Historical', timestamp: t });
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
        assert.equal(await countEvents(), before + 4);
        const { rows } = await db.query<{ t: Date }>(`SELECT min(timestamp) AS t FROM events WHERE workspace_id = $1 AND event = 'Historical'`, [ws.workspace.id]);
        assert.equal(new Date(rows[0]!.t).toISOString(), '1970-01-01T00:00:00.000Z');
      });
    });

    describe('admin date parameters', () => {
      it('answers 400 naming the parameter for out-of-range or unparsable dates, never 500', async () => {
        const cases: Array<[string, string, string]> = [
          ['/api/metrics/revenue?from=0000-01-01&to=2025-01-01', 'bad_range', 'from'],
          ['/api/metrics/revenue?from=2025-01-01&to=9999-01-01', 'bad_range', 'to'],
          ['/api/metrics/revenue?from=1969-01-01&to=1970-02-01', 'bad_range', 'from'],
          ['/api/metrics/revenue/breakdown?by=channel&from=0000-01-01&to=0001-01-01', 'bad_range', 'from'],
          ['/api/cohorts/retention?from=0000-01-01&to=2025-01-01', 'bad_range', 'from'],
          ['/api/funnels?steps=a,b&from=0000-01-01&to=0001-01-01', 'bad_range', 'from'],
          ['/api/lifecycle/distribution?at=0000-01-01T00:00:00Z', 'validation_failed', 'at'],
          ['/api/lifecycle/flows?from=0000-01-01T00:00:00Z', 'validation_failed', 'from'],
          ['/api/lifecycle/flows?to=9999-12-31T00:00:00Z', 'validation_failed', 'to'],
          ['/api/lifecycle/flows?from=yesterday', 'validation_failed', 'from'],
          ['/api/spend?from=0000-01-01&to=2025-01-01', 'validation_failed', 'from'],
        ];
        for (const [path, code, field] of cases) {
          const res = await admin(path);
          assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.error.code, code, path);
          assert.equal(res.body.error.field, field, `${path}: ${res.body.error.message}`);
        }
        assert.equal((await admin('/api/metrics/revenue?from=1997-01-01&to=1998-01-01')).status, 200);
      });
    });

    describe('non-object context', () => {
      it('refuses a batch-level or call context that is not an object', async () => {
        const good = { type: 'track', userId: 'c1', event: 'Ctx' };
        for (const context of ['x', [1], 7, true]) {
          const e = await refused('/v1/batch', { batch: [good], context }, 'invalid_event', 'context');
          assert.match(e.message, /`context` must be an object/);
          await refused('/v1/import', { batch: [good], context }, 'invalid_event', 'context');
          await refused('/v1/track', { userId: 'c1', event: 'Ctx', context }, 'invalid_event', 'context');
          await refused('/v1/batch', { batch: [{ ...good, context }] }, 'invalid_event', 'batch.0.context', 0);
        }
      });
    });

    describe('astral-plane characters', () => {
      it('stores emoji and mathematical letters intact in names, properties, traits and ids', async () => {
        const userId = 'user-😀-𝔘';
        assert.equal((await send('/v1/identify', { userId, traits: { name: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀', '🎉': 'party' } })).status, 200);
        assert.equal((await send('/v1/track', { userId, event: 'Song 🎵 Played', properties: { title: '𝄞 clef', '😀': ['🙂', { deep: '👍🏽' }] } })).status, 200);
        assert.equal((await send('/v1/batch', { batch: [{ type: 'page', userId, name: 'Home 🏠', properties: { x: '😀' } }] })).status, 200);
        const profile = await admin(`/api/customers/${encodeURIComponent(userId)}`);
        assert.equal(profile.status, 200);
        assert.equal(profile.body.userId, userId);
        assert.equal(profile.body.traits.name, '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀');
        assert.equal(profile.body.traits['🎉'], 'party');
        const events = await admin(`/api/customers/${encodeURIComponent(userId)}/events`);
        const track = events.body.events.find((e: { type: string }) => e.type === 'track');
        assert.equal(track.event, 'Song 🎵 Played');
        assert.deepEqual(track.properties, { title: '𝄞 clef', '😀': ['🙂', { deep: '👍🏽' }] });
        assert.equal(events.body.events.find((e: { type: string }) => e.type === 'page').event, 'Home 🏠');
      });
    });

    describe('trait names that are Object.prototype members', () => {
      it('keeps constructor, toString, valueOf, hasOwnProperty and __proto__ as ordinary traits', async () => {
        const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
        // JSON text, so `__proto__` is an own key as SDKs send it.
        const traits = `{${names.map((n, i) => `"${n}":"v${i}"`).join(',')},"plan":"pro"}`;
        assert.equal((await sendRaw('/v1/identify', `{"userId":"proto-user","traits":${traits}}`)).status, 200);
        // A later identify updates them (last-write-wins reads the stored times of each).
        assert.equal((await sendRaw('/v1/identify', `{"userId":"proto-user","traits":{"constructor":"v9","__proto__":{"nested":true}}}`)).status, 200);
        const res = await admin('/api/customers/proto-user');
        assert.equal(res.status, 200);
        const got = res.body.traits as Record<string, unknown>;
        for (const n of names) assert.ok(Object.hasOwn(got, n), `trait ${n} kept: ${JSON.stringify(got)}`);
        assert.equal(got.constructor, 'v9');
        assert.equal(got.toString, 'v1');
        assert.equal(got.valueOf, 'v2');
        assert.equal(got.hasOwnProperty, 'v3');
        assert.deepEqual(got.__proto__, { nested: true });
        assert.equal(got.plan, 'pro');
        assert.ok(Object.hasOwn(res.body.traitTimes, 'constructor'));
        const { rows } = await db.query<{ t: string }>(`SELECT traits::text AS t FROM customers WHERE user_id = 'proto-user' AND workspace_id = $1`, [ws.workspace.id]);
        assert.match(rows[0]!.t, /"__proto__": \{"nested": true\}/);
      });
    });

    describe('the hostile corpus', () => {
      it('answers every hostile request with a 4xx, stores nothing, and keeps answering', async () => {
        const corpus = hostilePayloads();
        assert.ok(corpus.length > 300, `corpus has ${corpus.length} requests`);
        const before = await countEvents();
        const wrong: string[] = [];
        for (const r of corpus) {
          const headers: Record<string, string> = { ...(r.headers ?? {}) };
          const res = await http(`${server.url}${r.path}`, { auth: basic(ws.writeKey), headers, ...(r.rawBody !== undefined ? { rawBody: r.rawBody } : { body: r.body }) });
          if (res.status < 400 || res.status >= 500) wrong.push(`${r.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
        assert.deepEqual(wrong, []);
        assert.equal(await countEvents(), before, 'no hostile request stored anything');
        await alive();
      });
    });

    describe('the real @segment/analytics-node client', () => {
      it('gets a 400 naming the index for a flush with one out-of-range event, without retrying; the next flush is stored', async () => {
        const before = await countEvents();
        const analytics = new Analytics({ writeKey: ws.writeKey, host: server.url, flushAt: 10, flushInterval: 60_000, maxRetries: 3 });
        const errors: unknown[] = [];
        let requests = 0;
        analytics.on('error', (e) => errors.push(e));
        analytics.on('http_request', () => requests++);
        for (let i = 0; i < 10; i++) {
          analytics.track({ userId: 'sdk-hostile', event: 'SDK Event', properties: { i }, ...(i === 4 ? { timestamp: new Date(1.7e15) } : {}) });
        }
        await analytics.closeAndFlush({ timeout: 10_000 });
        assert.equal(requests, 1, 'a 400 is not retried (a 500 was, then the batch was dropped)');
        assert.equal(errors.length, 10, 'the SDK reports each message of the refused batch');
        for (const e of errors) assert.match(String((e as { reason?: Error }).reason?.message), /\[400\]/);
        assert.equal(await countEvents(), before, 'the batch is atomic: nothing of it is stored');

        const again = new Analytics({ writeKey: ws.writeKey, host: server.url, flushAt: 10, flushInterval: 60_000, maxRetries: 3 });
        for (let i = 0; i < 10; i++) again.track({ userId: 'sdk-hostile', event: 'SDK Event', properties: { i } });
        await again.closeAndFlush({ timeout: 10_000 });
        assert.equal(await countEvents(), before + 10);
      });
    });
  });
}
