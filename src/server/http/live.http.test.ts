import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { LiveEvent } from '../../contracts/sources.js';
import { LiveBacklog } from '../../contracts/live.js';
import type { Db } from '../db/client.js';
import { createLogger } from '../log.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { buildServer } from '../roles/server.js';

/** A server-sent event stream read over real HTTP: frames as they arrive. */
async function openStream(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: Array<{ id?: string; data?: string; comment?: string }> = [];
  let ended = false;
  let text = '';
  const reading = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const frame: { id?: string; data?: string; comment?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comment = line.slice(1).trim();
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
          }
          frames.push(frame);
        }
      }
    } catch {
      /* aborted */
    }
    ended = true;
  })();
  return {
    res,
    frames,
    events: () => frames.filter((f) => f.data).map((f) => LiveEvent.parse(JSON.parse(f.data!))),
    ended: () => ended,
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

for (const target of dbTargets()) {
  describe(`live event debugger over HTTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    let quiet: Awaited<ReturnType<typeof makeWorkspace>>;
    const send = (path: string, body: unknown, key = ws.writeKey) => http(`${url}${path}`, { auth: basic(key), body });
    const recent = async (query = '', key = ws.adminKey) => {
      const r = await http(`${url}/api/sources/live/recent${query}`, { auth: `Bearer ${key}` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return LiveBacklog.parse(r.body);
    };
    const latest = async () => (await recent('?limit=1')).latestId;

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'live');
      quiet = await makeWorkspace(db, 'quiet');
      app = await buildServer({
        db,
        log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
        stages: null,
        segments: null,
        journeys: null,
        analyticsSyncMs: 0,
        predictionSchedule: false,
        live: { capacity: 50, heartbeatMs: 150, maxStreamsPerWorkspace: 2, flushMs: 20 },
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    it('needs the admin key: none is 401, the write key 403', async () => {
      for (const path of ['/api/sources/live/recent', '/api/sources/live']) {
        const none = await http(`${url}${path}`);
        assert.equal(none.status, 401);
        assert.equal(none.body.error.code, 'unauthorized');
        const write = await http(`${url}${path}`, { auth: `Bearer ${ws.writeKey}` });
        assert.equal(write.status, 403);
        assert.equal(write.body.error.code, 'forbidden');
      }
    });

    it('records nothing for a workspace nobody looked at, then everything from the first look', async () => {
      assert.equal((await send('/v1/track', { userId: 'q1', event: 'Unseen' }, quiet.writeKey)).status, 200);
      const first = await recent('', quiet.adminKey);
      assert.deepEqual(first.events, [], 'arrivals before the first look are not recorded');
      assert.ok(Date.parse(first.recordingUntil) > Date.now() + 9 * 60_000, 'recording goes on for 10 minutes');
      assert.equal((await send('/v1/track', { userId: 'q1', event: 'Seen' }, quiet.writeKey)).status, 200);
      const second = await recent('', quiet.adminKey);
      assert.deepEqual(
        second.events.map((e) => e.name),
        ['Seen'],
      );
    });

    it('shows accepted events with their identity and library, duplicates, and keeps workspaces apart', async () => {
      const from = await latest();
      const call = { userId: 'u-1', event: 'Order Completed', messageId: 'live-m1', properties: { revenue: 12 }, context: { library: { name: 'analytics-node', version: '2.1.0' } } };
      assert.equal((await send('/v1/track', call)).status, 200);
      assert.equal((await send('/v1/track', call)).status, 200);
      const batch = [
        { type: 'identify', anonymousId: 'a-1', messageId: 'live-b1', traits: { plan: 'pro' } },
        { type: 'page', anonymousId: 'a-1', name: 'Pricing', messageId: 'live-b2' },
        { type: 'page', anonymousId: 'a-1', name: 'Pricing', messageId: 'live-b2' },
        { type: 'track', userId: 'u-1', event: 'Order Completed', messageId: 'live-m1' },
      ];
      assert.equal((await send('/v1/batch', { batch })).status, 200);
      const got = (await recent(`?after=${from}`)).events;
      assert.deepEqual(
        got.map((e) => [e.status, e.type, e.name, e.userId ?? e.anonymousId, e.messageId, e.path]),
        [
          ['accepted', 'track', 'Order Completed', 'u-1', 'live-m1', '/v1/track'],
          ['duplicate', 'track', 'Order Completed', 'u-1', 'live-m1', '/v1/track'],
          ['accepted', 'identify', null, 'a-1', 'live-b1', '/v1/batch'],
          ['accepted', 'page', 'Pricing', 'a-1', 'live-b2', '/v1/batch'],
          ['duplicate', 'page', 'Pricing', 'a-1', 'live-b2', '/v1/batch'],
          ['duplicate', 'track', 'Order Completed', 'u-1', 'live-m1', '/v1/batch'],
        ],
      );
      assert.equal(got[0]!.library, 'analytics-node 2.1.0');
      assert.deepEqual((got[0]!.payload as { properties: unknown }).properties, { revenue: 12 });
      assert.ok(got.every((e) => e.error === null));
      const others = (await recent(`?after=${from}`, quiet.adminKey)).events;
      assert.ok(
        others.every((e) => e.name !== 'Order Completed'),
        'another workspace sees none of them',
      );
    });

    it('shows refused requests with the code and message the client got; a bad write key is not attributed', async () => {
      const from = await latest();
      const noEvent = await send('/v1/track', { userId: 'u-2', properties: {} });
      assert.equal(noEvent.status, 400);
      const badItem = await send('/v1/batch', {
        batch: [
          { type: 'track', userId: 'u-3', event: 'Fine' },
          { type: 'track', userId: 'u-3', event: 'Bad', timestamp: 'not a date' },
        ],
      });
      assert.equal(badItem.status, 400);
      const badJson = await http(`${url}/v1/track`, { auth: basic(ws.writeKey), rawBody: '{"userId": "u-4", ', headers: { 'content-type': 'application/json' } });
      assert.equal(badJson.status, 400);
      assert.equal((await send('/v1/track', { userId: 'u-5', event: 'Nope' }, 'tw_not_a_key')).status, 401);
      const got = (await recent(`?after=${from}`)).events;
      assert.deepEqual(
        got.map((e) => [e.status, e.type, e.error?.code, e.error?.message]),
        [
          ['rejected', 'track', noEvent.body.error.code, noEvent.body.error.message],
          ['rejected', 'track', badItem.body.error.code, badItem.body.error.message],
          ['rejected', 'track', 'invalid_json', badJson.body.error.message],
        ],
      );
      assert.equal(got[1]!.name, 'Bad', 'a refused batch shows the event it names');
      assert.equal(got[0]!.userId, 'u-2');
    });

    it('clips a large payload for display, without changing what is stored', async () => {
      const from = await latest();
      const big = 'x'.repeat(20_000);
      assert.equal((await send('/v1/track', { userId: 'u-big', event: 'Big', properties: { big, list: Array.from({ length: 2_000 }, (_, i) => i) } })).status, 200);
      const [e] = (await recent(`?after=${from}`)).events;
      const shown = JSON.stringify(e!.payload);
      assert.ok(shown.length < 6_000, `payload shown is ${shown.length} characters`);
      assert.match(shown, /20000 characters/);
      const { rows } = await db.query<{ n: number }>(`SELECT length(properties->>'big')::int AS n FROM events WHERE workspace_id = $1 AND event = 'Big'`, [ws.workspace.id]);
      assert.equal(rows[0]!.n, 20_000);
    });

    it('keeps the last `capacity` arrivals and says how many a late reader missed; pages with after/limit', async () => {
      const from = await latest();
      const batch = Array.from({ length: 60 }, (_, i) => ({ type: 'track', userId: 'u-ring', event: `Ring ${i}` }));
      assert.equal((await send('/v1/batch', { batch })).status, 200);
      const newest = await recent('?limit=500');
      assert.equal(newest.events.length, 50);
      assert.equal(newest.events.at(-1)!.name, 'Ring 59');
      const late = await recent(`?after=${from}&limit=20`);
      assert.equal(late.missed, 10);
      assert.equal(late.events[0]!.name, 'Ring 10');
      assert.equal(late.events.length, 20);
      assert.equal(late.more, true);
      const ids = late.events.map((e) => e.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'oldest first',
      );
      for (const q of ['?limit=0', '?limit=501', '?after=-1', '?after=abc', '?colour=red']) {
        const r = await http(`${url}/api/sources/live/recent${q}`, { auth: `Bearer ${ws.adminKey}` });
        assert.equal(r.status, 400, q);
        assert.equal(r.body.error.code, 'validation_failed', q);
      }
    });

    it('streams arrivals as server-sent events, with heartbeats', async () => {
      const s = await openStream(`${url}/api/sources/live`, { authorization: `Bearer ${ws.adminKey}` });
      try {
        assert.equal(s.res.status, 200);
        assert.match(s.res.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.equal(s.res.headers.get('cache-control'), 'no-cache, no-transform');
        const sent = Date.now();
        assert.equal((await send('/v1/track', { userId: 'u-s', event: 'Streamed' })).status, 200);
        assert.equal((await send('/v1/track', { userId: 'u-s' })).status, 400);
        await until('two streamed events', async () => (s.events().length >= 2 ? true : undefined), 5_000);
        const elapsed = Date.now() - sent;
        assert.ok(elapsed < 1_000, `streamed within ${elapsed} ms`);
        const [accepted, rejected] = s.events();
        assert.equal(accepted!.name, 'Streamed');
        assert.equal(accepted!.status, 'accepted');
        assert.equal(rejected!.status, 'rejected');
        assert.equal(rejected!.error!.code, 'invalid_event');
        const framed = s.frames.filter((f) => f.data);
        assert.deepEqual(
          framed.map((f) => Number(f.id)),
          [accepted!.id, rejected!.id],
          'each message carries its id',
        );
        await until('a heartbeat', async () => (s.frames.some((f) => f.comment === 'heartbeat') ? true : undefined), 2_000);
      } finally {
        await s.close();
      }
    });

    it('resumes after Last-Event-ID (or `after`), sending what was missed first; refuses a malformed one', async () => {
      const from = await latest();
      for (const name of ['Missed 1', 'Missed 2']) assert.equal((await send('/v1/track', { userId: 'u-r', event: name })).status, 200);
      const s = await openStream(`${url}/api/sources/live`, { authorization: `Bearer ${ws.adminKey}`, 'last-event-id': String(from) });
      const q = await openStream(`${url}/api/sources/live?after=${from + 1}`, { authorization: `Bearer ${ws.adminKey}` });
      try {
        await until('the missed events', async () => (s.events().length >= 2 && q.events().length >= 1 ? true : undefined), 3_000);
        assert.deepEqual(
          s.events().map((e) => e.name),
          ['Missed 1', 'Missed 2'],
        );
        assert.deepEqual(
          q.events().map((e) => e.name),
          ['Missed 2'],
        );
      } finally {
        await s.close();
        await q.close();
      }
      const bad = await http(`${url}/api/sources/live`, { auth: `Bearer ${ws.adminKey}`, headers: { 'last-event-id': 'yesterday' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'bad_parameter');
    });

    it('limits open streams per workspace (429 in words), and frees the slot when one closes', async () => {
      const auth = { authorization: `Bearer ${ws.adminKey}` };
      // Streams of the tests before are released when the server sees their sockets close.
      const openWhenFree = () =>
        until(
          'a free stream slot',
          async () => {
            const c = await openStream(`${url}/api/sources/live`, auth);
            if (c.res.status === 200) return c;
            await c.close();
            return undefined;
          },
          3_000,
        );
      const a = await openWhenFree();
      const b = await openWhenFree();
      const other = await openStream(`${url}/api/sources/live`, { authorization: `Bearer ${quiet.adminKey}` });
      try {
        assert.equal(a.res.status, 200);
        assert.equal(b.res.status, 200);
        assert.equal(other.res.status, 200, 'another workspace has its own limit');
        const third = await http(`${url}/api/sources/live`, { auth: `Bearer ${ws.adminKey}` });
        assert.equal(third.status, 429);
        assert.equal(third.body.error.code, 'rate_limited');
        assert.match(third.body.error.message, /2 live streams are already open/);
        await a.close();
        await (await openWhenFree()).close();
      } finally {
        await a.close();
        await b.close();
        await other.close();
      }
    });

    it('closes open streams on shutdown: Fastify close does not hang', async () => {
      const own = await buildServer({ db, log: createLogger('silent'), stages: null, segments: null, journeys: null, analyticsSyncMs: 0, predictionSchedule: false });
      const ownUrl = await own.listen({ port: 0, host: '127.0.0.1' });
      const s = await openStream(`${ownUrl}/api/sources/live`, { authorization: `Bearer ${ws.adminKey}` });
      assert.equal(s.res.status, 200);
      const started = Date.now();
      await own.close();
      const took = Date.now() - started;
      assert.ok(took < 5_000, `closed in ${took} ms`);
      await until('the stream to end', async () => (s.ended() ? true : undefined), 3_000);
      await s.close();
    });
  });
}
