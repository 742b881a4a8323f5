import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

for (const target of dbTargets()) {
  describe(`segments admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let keys: Awaited<ReturnType<typeof makeWorkspace>>;
    let admin: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const job = (id: number) =>
      until(`job ${id}`, async () => {
        const j = (await api(`/api/jobs/${id}`)).body;
        if (j.status === 'failed') throw new Error(j.error);
        return j.status === 'done' ? j : undefined;
      });

    before(async () => {
      db = await target.open();
      keys = await makeWorkspace(db, 'segments-http');
      admin = `Bearer ${keys.adminKey}`;
      server = await startServer(db);
      // 30 customers: every third on the pro plan; customer i ordered i % 4 times in the last 20 days.
      const batch: unknown[] = [];
      for (let i = 0; i < 30; i++) {
        batch.push({ type: 'identify', userId: `c${i}`, traits: { plan: i % 3 === 0 ? 'pro' : 'free', email: `c${i}@example.com` }, timestamp: ago(30) });
        for (let k = 0; k < i % 4; k++) batch.push({ type: 'track', userId: `c${i}`, event: 'Order Completed', properties: { revenue: 10 }, timestamp: ago(20 - k) });
      }
      const r = await http(`${server.url}/v1/batch`, { auth: basic(keys.writeKey), body: { batch } });
      assert.equal(r.status, 200);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('refuses an invalid definition with 400 naming the node at fault', async () => {
      const bad = await api('/api/segments', {
        body: { name: 'x', condition: { all: [{ trait: { path: 'plan', op: 'eq', value: 'pro' } }, { performed: { event: 'Order Completed', count: { op: 'most', value: 2 } } }] } },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      assert.match(bad.body.error.message, /^body\.condition\.all\.1\.performed\.count\.op: /);
      const missing = await api('/api/segments', { body: { name: 'x', condition: { inSegment: { id: 'seg_nope' } } } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.field, 'condition.inSegment.id');
      assert.match(missing.body.error.message, /no segment "seg_nope"/);
      const noName = await api('/api/segments', { body: { name: ' ', condition: { trait: { path: 'plan', op: 'exists' } } } });
      assert.equal(noName.status, 400);
      assert.match(noName.body.error.message, /name/);
      assert.equal((await api('/api/segments')).body.segments.length, 0, 'nothing was saved');
    });

    it('previews, saves, computes as a job, lists members in pages, exports CSV, filters customers, and keeps membership current', async () => {
      const condition = { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: { amount: 60, unit: 'days' } } } };
      // i % 4 ∈ {2, 3}: 7 + 7 = 14 of the 30.
      const preview = await api('/api/segments/preview', { body: { condition, sample: 3 } });
      assert.equal(preview.status, 200);
      assert.equal(preview.body.count, 14);
      assert.equal(preview.body.sample.length, 3);

      const created = await api('/api/segments', { body: { name: 'Repeat buyers', description: 'two orders in 60 days', condition } });
      assert.equal(created.status, 201);
      const id = created.body.segment.id as string;
      assert.equal(created.body.segment.timeBased, true);
      await job(created.body.job.id);
      const seg = (await api(`/api/segments/${id}`)).body;
      assert.equal(seg.members, 14);
      assert.equal(seg.upToDate, true);

      // Pages of 6: 6 + 6 + 2, each customer once.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: any } = await api(`/api/segments/${id}/members?limit=6${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        seen.push(...page.body.members.map((m: { userId: string }) => m.userId));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(
        [...seen].sort(),
        Array.from({ length: 30 }, (_, i) => i)
          .filter((i) => i % 4 >= 2)
          .map((i) => `c${i}`)
          .sort(),
      );

      const csv = await fetch(`${server.url}/api/segments/${id}/members.csv`, { headers: { authorization: admin } });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      assert.equal(csv.headers.get('content-length'), null, 'streamed, not buffered');
      const lines = (await csv.text()).trimEnd().split('\n');
      assert.equal(lines[0], 'customer_id,user_id,email,entered_at');
      assert.equal(lines.length, 1 + 14);
      assert.ok(lines.some((l) => l.includes(',c2,c2@example.com,')));

      const filtered = await api(`/api/customers?segment=${id}&limit=100`);
      assert.equal(filtered.body.customers.length, 14);
      const mine = await api('/api/customers/c3/segments');
      assert.deepEqual(
        mine.body.segments.map((s: { id: string }) => s.id),
        [id],
      );
      assert.deepEqual((await api('/api/customers/c1/segments')).body.segments, []);

      // c1 (one order) orders again over the Segment API: the segment engine takes them in.
      const t = await http(`${server.url}/v1/track`, { auth: basic(keys.writeKey), body: { userId: 'c1', event: 'Order Completed', properties: { revenue: 5 } } });
      assert.equal(t.status, 200);
      await until('c1 to enter', async () => ((await api('/api/customers/c1/segments')).body.segments.length === 1 ? true : undefined));
      const timeline = await api('/api/customers/c1/events?limit=10');
      const entered = timeline.body.events.find((e: { event: string }) => e.event === 'Segment Entered');
      assert.equal(entered?.properties.segmentId, id);
      assert.equal(entered?.properties.segmentName, 'Repeat buyers');

      // A segment on the first: pro repeat buyers (c0 has no orders; c3, c6? 6 % 4 = 2: yes; c15: 3 yes; c18: 2 yes; c27: 3 yes).
      const pro = await api('/api/segments', { body: { name: 'Pro repeat buyers', condition: { all: [{ inSegment: { id } }, { trait: { path: 'plan', op: 'eq', value: 'pro' } }] } } });
      assert.equal(pro.status, 201);
      await job(pro.body.job.id);
      const proMembers = (await api(`/api/segments/${pro.body.segment.id}/members`)).body.members.map((m: { userId: string }) => m.userId).sort();
      assert.deepEqual(proMembers, ['c15', 'c18', 'c27', 'c3', 'c6']);

      // The first cannot be deleted while the second reads it; an edit recomputes it.
      const del = await api(`/api/segments/${id}`, { method: 'DELETE' });
      assert.equal(del.status, 409);
      assert.match(del.body.error.message, /Pro repeat buyers/);
      const edited = await api(`/api/segments/${id}`, { method: 'PUT', body: { name: 'Buyers', condition: { performed: { event: 'Order Completed' } } } });
      assert.equal(edited.status, 202);
      assert.equal(edited.body.segment.version, 2);
      await job(edited.body.job.id);
      // i % 4 ≥ 1: 8 + 7 + 7 = 22 of 30 (c1 among them).
      assert.equal((await api(`/api/segments/${id}`)).body.members, 22);
      // A cycle through the edit is refused.
      const cyc = await api(`/api/segments/${id}`, { method: 'PUT', body: { name: 'Buyers', condition: { inSegment: { id: pro.body.segment.id } } } });
      assert.equal(cyc.status, 400);
      assert.match(cyc.body.error.message, /cannot depend on itself/);

      assert.equal((await api(`/api/segments/${pro.body.segment.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await api(`/api/segments/${pro.body.segment.id}`)).status, 404);
      assert.equal((await api(`/api/segments/${id}`, { method: 'DELETE' })).status, 204);
      assert.deepEqual((await api('/api/customers/c3/segments')).body.segments, []);
    });

    it('keeps static lists from ids and serves cohorts', async () => {
      const made = await api('/api/segments/static', { body: { name: 'Beta testers', ids: ['c1', 'c2', 'c2', 'nobody'] } });
      assert.equal(made.status, 201);
      assert.equal(made.body.segment.kind, 'static');
      assert.deepEqual([made.body.entered, made.body.exited, made.body.unknown, made.body.unknownCount], [2, 0, ['nobody'], 1]);
      const id = made.body.segment.id as string;
      const added = await api(`/api/segments/${id}/list`, { body: { ids: ['c3'], mode: 'add' } });
      assert.deepEqual([added.status, added.body.entered, added.body.segment.members], [200, 1, 3]);
      const removed = await api(`/api/segments/${id}/list`, { body: { ids: ['c1'], mode: 'remove' } });
      assert.deepEqual([removed.body.exited, removed.body.segment.members], [1, 2]);
      const put = await api(`/api/segments/${id}`, { method: 'PUT', body: { name: 'x', condition: { trait: { path: 'plan', op: 'exists' } } } });
      assert.equal(put.status, 409);
      const tooMany = await api(`/api/segments/${id}/list`, { body: { ids: Array.from({ length: 10_001 }, (_, i) => `x${i}`) } });
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.error.message, /10,000/);
      const notAList = await api('/api/segments/rfm_champions/list', { body: { ids: ['c1'] } });
      assert.equal(notAList.status, 404);

      const cohorts = await api('/api/cohorts?by=first_event&event=Order%20Completed&period=month');
      assert.equal(cohorts.status, 200);
      assert.equal(
        cohorts.body.cohorts.reduce((n: number, c: { count: number }) => n + c.count, 0),
        22,
        'every buyer (i % 4 ≥ 1) in one cohort',
      );
      const channels = await api('/api/cohorts?by=channel');
      assert.deepEqual(
        channels.body.cohorts.map((c: { key: string; count: number }) => [c.key, c.count]),
        [['direct', 30]],
      );
      const bad = await api('/api/cohorts?by=week');
      assert.equal(bad.status, 400);
    });
  });
}
