import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../contracts/condition.js';
import type { Db, Queryable } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { dbTargets, makeWorkspace, until } from '../../test-support/harness.js';
import { applyMerge } from '../identity/customers.repo.js';
import { guardCustomers } from '../identity/merge-guard.js';
import { computeSegment, syncMany } from './segment-sync.js';
import { SegmentWorker } from './segment-worker.js';
import { customerSegments, getSegment, insertSegment, segmentMembers, updateSegment } from './segments.repo.js';
import { checkReferences, membersCsv, previewSegment } from './segments.service.js';
import { cohorts } from './cohorts.js';
import { importList } from './static-lists.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPreset } from '../lifecycle/presets.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0 + n * DAY);

let seq = 0;
function call(type: 'track' | 'identify' | 'page' | 'group', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `sg-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

/** Hand-built data; the expected memberships below are worked out by hand from it. */
const EVENTS = () => [
  call('identify', { userId: 'ada', traits: { plan: 'pro', email: 'ada@example.com' } }, day(0)),
  call('track', { userId: 'ada', event: 'Signed Up' }, day(0)),
  call('track', { userId: 'ada', event: 'Order Completed', properties: { revenue: 30 } }, day(10)),
  call('track', { userId: 'ada', event: 'Order Completed', properties: { revenue: 25 } }, day(40)),
  call('identify', { userId: 'bob', traits: { plan: 'free', email: 'bob@example.com' } }, day(1)),
  call('track', { userId: 'bob', event: 'Order Completed', properties: { revenue: 100 } }, day(5)),
  call('identify', { userId: 'cy', traits: { plan: 'pro' } }, day(2)),
  call('track', { userId: 'cy', event: 'Page Viewed' }, day(2)),
  call('track', { userId: 'cy', event: 'Page Viewed' }, day(41)),
  call('track', { userId: 'dee', event: 'Page Viewed' }, day(3)),
];

const days = (amount: number) => ({ amount, unit: 'days' as const });
const PRO: Condition = { trait: { path: 'plan', op: 'eq', value: 'pro' } };
const TWO_ORDERS_60D: Condition = { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: days(60) } } };
const SPENT_50: Condition = { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 50 } };
const PRO_NEVER_BOUGHT: Condition = { all: [PRO, { not: { performed: { event: 'Order Completed' } } }] };
const BROWSED_OR_BIG: Condition = {
  any: [
    { all: [{ performed: { event: 'Page Viewed', count: { op: 'gte', value: 2 } } }, { not: PRO }] },
    { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'max', op: 'gt', value: 90 } },
  ],
};

for (const target of dbTargets()) {
  describe(`segments in the database (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    const users = async (ws: number, segmentId: string, at?: Date) => {
      const ms = await segmentMembers(db, ws, segmentId, { limit: 1000, at });
      return ms.map((m) => m.userId).sort();
    };
    /**
     * Run `held` in a transaction kept open while `racer` starts, until the racer waits on
     * a lock (or, unguarded, finishes without waiting); then commit and return the racer's
     * result. Two connections: PostgreSQL only.
     */
    const race = async <T>(held: (tx: Queryable) => Promise<void>, racer: () => Promise<T>): Promise<T> => {
      let commit!: () => void;
      const gate = new Promise<void>((res) => (commit = res));
      let started!: () => void;
      const holding = new Promise<void>((res) => (started = res));
      const holder = db.transaction(async (tx) => {
        await held(tx);
        started();
        await gate;
      });
      await holding;
      let done = false;
      const running = racer().finally(() => (done = true));
      await until('the racer to wait on a lock or finish', async () => {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`);
        return rows[0]!.n > 0 || done ? true : undefined;
      });
      commit();
      await holder;
      return running;
    };
    const timeline = async (ws: number, event: string) =>
      (
        await db.query<{ user_id: string; segment: string; at: Date }>(
          `SELECT user_id, properties->>'segmentId' AS segment, timestamp AS at FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = $2 ORDER BY timestamp, user_id`,
          [ws, event],
        )
      ).rows;

    it('computes trait, windowed count, aggregate, stage and nested conditions; keeps them current by event and by time; answers as of a past date', async () => {
      const ws = (await makeWorkspace(db, 'segments')).workspace.id;
      await ingestEvents(db, ws, EVENTS());
      let now = day(45);
      const make = async (name: string, condition: Condition) => {
        const seg = await insertSegment(db, ws, `t_${name}`, { name, description: '', condition });
        await computeSegment(db, ws, seg.id, now);
        return seg.id;
      };
      const pro = await make('pro', PRO);
      const twoOrders = await make('two_orders', TWO_ORDERS_60D);
      const spent = await make('spent', SPENT_50);
      const proNeverBought = await make('pro_never_bought', PRO_NEVER_BOUGHT);
      const browsedOrBig = await make('browsed_or_big', BROWSED_OR_BIG);
      // Reads two other segments: evaluated after them in the same batch.
      const loyalSpenders = await make('loyal_spenders', { all: [{ inSegment: { id: 't_two_orders' } }, { inSegment: { id: 't_spent' } }] });
      assert.deepEqual(await users(ws, pro), ['ada', 'cy']);
      assert.deepEqual(await users(ws, twoOrders), ['ada'], 'orders on day 10 and 40 fall in the 60 days to day 45; bob has one');
      assert.deepEqual(await users(ws, spent), ['ada', 'bob'], 'ada 30 + 25 = 55, bob 100');
      assert.deepEqual(await users(ws, proNeverBought), ['cy']);
      assert.deepEqual(await users(ws, browsedOrBig), ['bob'], 'cy browsed twice but is pro; dee browsed once; bob spent 100 at once');

      // The preview of a condition agrees with the saved segment, and saves nothing.
      const preview = await previewSegment(db, ws, SPENT_50, 1, now);
      assert.equal(preview.count, 2);
      assert.equal(preview.sample.length, 1);

      // Stage leaves read the stage engine's state.
      await recomputeStages(db, ws, { now, models: new ModelCache(0) });
      const { rows: conv } = await db.query<{ user_id: string }>(
        `SELECT c.user_id FROM stage_states s JOIN customers c ON c.id = s.subject_id WHERE s.workspace_id = $1 AND s.scope = 'customer' AND s.stage = 'conversion' ORDER BY 1`,
        [ws],
      );
      assert.ok(conv.length > 0, 'someone converted');
      const converted = await make('converted', { stage: { key: 'conversion' } });
      assert.deepEqual(
        await users(ws, converted),
        conv.map((r) => r.user_id),
      );

      // Everyone who entered has a Segment Entered event, at the computation's moment.
      const entered = await timeline(ws, 'Segment Entered');
      assert.equal(entered.filter((e) => e.segment === twoOrders).length, 1);
      assert.equal(entered.length, 2 + 1 + 2 + 1 + 1 + 1 + conv.length);
      assert.ok(entered.every((e) => e.at.getTime() === day(45).getTime()));

      // A new event: bob's second order in 60 days brings him in, through the worker.
      now = day(46);
      const worker = new SegmentWorker(db, { clock: () => now, sweepMs: 0, refreshMs: 0 });
      const r = await ingestEvents(db, ws, [call('track', { userId: 'bob', event: 'Order Completed', properties: { revenue: 20 } }, day(46))]);
      assert.deepEqual(
        [...(r.changes?.values() ?? [])].map((c) => [...c].sort()),
        [['$any', 'Order Completed']],
        'what changed for bob',
      );
      worker.touch(ws, r.customerIds ?? [], r.changes); // only segments reading orders (or other segments) are evaluated
      await worker.idle();
      assert.deepEqual(await users(ws, twoOrders), ['ada', 'bob']);
      assert.deepEqual(await users(ws, loyalSpenders), ['ada', 'bob'], 'bob entered two_orders, then loyal_spenders, in one batch');
      assert.deepEqual(
        (await timeline(ws, 'Segment Entered')).filter((e) => e.segment === twoOrders).map((e) => [e.user_id, e.at.getTime()]),
        [
          ['ada', day(45).getTime()],
          ['bob', day(46).getTime()],
        ],
      );
      // Bob's new order took him out of "browsed or big"? No: his largest order is still 100.
      assert.deepEqual(await users(ws, browsedOrBig), ['bob']);

      // Time alone: bob's first order (day 5) leaves the 60-day window at day 65, ada's (day 10) at day 70.
      now = day(66);
      assert.ok((await worker.sweep()) >= 1);
      assert.deepEqual(await users(ws, twoOrders), ['ada']);
      now = day(71);
      await worker.sweep();
      assert.deepEqual(await users(ws, twoOrders), []);
      const exited = (await timeline(ws, 'Segment Exited')).filter((e) => e.segment === twoOrders);
      assert.deepEqual(
        exited.map((e) => [e.user_id, e.at.getTime()]),
        [
          ['bob', day(66).getTime()],
          ['ada', day(71).getTime()],
        ],
      );
      // A segment with no time in it is not recomputed by the sweep (nothing could change).
      assert.deepEqual(await users(ws, pro), ['ada', 'cy']);

      // As of past moments, from the history.
      assert.deepEqual(await users(ws, twoOrders, day(44)), []);
      assert.deepEqual(await users(ws, twoOrders, day(45)), ['ada']);
      assert.deepEqual(await users(ws, twoOrders, day(50)), ['ada', 'bob']);
      assert.deepEqual(await users(ws, twoOrders, day(67)), ['ada']);
      assert.deepEqual(await users(ws, twoOrders, day(200)), []);

      // Editing a definition and computing again moves people both ways.
      await updateSegment(db, ws, pro, { name: 'free', description: '', condition: { trait: { path: 'plan', op: 'eq', value: 'free' } } });
      await computeSegment(db, ws, pro, now);
      assert.deepEqual(await users(ws, pro), ['bob']);
      assert.deepEqual(await users(ws, pro, day(60)), ['ada', 'cy']);
    });

    it('lets the worker move a customer out when no segment reads another (a lone trait segment)', async () => {
      const ws = (await makeWorkspace(db, 'segments-lone')).workspace.id;
      await ingestEvents(db, ws, [call('identify', { userId: 'una', traits: { plan: 'pro' } }, day(1))]);
      const seg = await insertSegment(db, ws, 'pro', { name: 'pro', description: '', condition: PRO });
      await computeSegment(db, ws, seg.id, day(2));
      assert.deepEqual(await users(ws, seg.id), ['una']);
      let now = day(3);
      const worker = new SegmentWorker(db, { clock: () => now, sweepMs: 0, refreshMs: 0 });
      const down = await ingestEvents(db, ws, [call('identify', { userId: 'una', traits: { plan: 'free' } }, day(3))]);
      worker.touch(ws, down.customerIds ?? [], down.changes);
      await worker.idle();
      assert.deepEqual(await users(ws, seg.id), [], 'una left when her plan changed');
      now = day(4);
      const up = await ingestEvents(db, ws, [call('identify', { userId: 'una', traits: { plan: 'pro' } }, day(4))]);
      worker.touch(ws, up.customerIds ?? [], up.changes);
      await worker.idle();
      assert.deepEqual(await users(ws, seg.id), ['una'], 'and came back');
      assert.deepEqual(
        (await timeline(ws, 'Segment Exited')).map((e) => e.user_id),
        ['una'],
      );
    });

    it('streams members as CSV a page at a time, quoting what needs it', async () => {
      const ws = (await makeWorkspace(db, 'segments-csv')).workspace.id;
      const events: NormalizedEvent[] = [];
      for (let i = 0; i < 250; i++) events.push(call('identify', { userId: `u${i}`, traits: { email: i === 7 ? 'seven, "the" one@example.com' : `u${i}@example.com`, vip: i % 5 === 0 } }, day(1)));
      events.push(call('identify', { userId: '=cmd()', traits: { vip: true } }, day(1)));
      await ingestEvents(db, ws, events);
      const seg = await insertSegment(db, ws, 'vip', { name: 'vip', description: '', condition: { trait: { path: 'vip', op: 'eq', value: true } } });
      await computeSegment(db, ws, seg.id, day(2));
      const chunks: string[] = [];
      for await (const chunk of membersCsv(db, ws, seg.id, { pageSize: 20 })) chunks.push(chunk);
      // Header, then 51 members in pages of at most 20: 3 chunks of rows.
      assert.equal(chunks.length, 1 + 3);
      const lines = chunks.join('').trimEnd().split('\n');
      assert.equal(lines[0], 'customer_id,user_id,email,entered_at');
      assert.equal(lines.length, 1 + 51);
      assert.ok(lines.some((l) => /^\d+,u0,u0@example.com,2026-01-03T00:00:00.000Z$/.test(l)));
      assert.ok(
        lines.some((l) => /^\d+,'=cmd\(\),,/.test(l)),
        'a formula-like value is defused',
      );
      const ids = lines.slice(1).map((l) => Number(l.split(',')[0]));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'in customer id order',
      );
      assert.equal(new Set(ids).size, 51);
    });

    it('exports a large segment page by page as it is read, never holding all of it', async () => {
      const ws = (await makeWorkspace(db, 'segments-csv-large')).workspace.id;
      const N = 12_000;
      const events: NormalizedEvent[] = [];
      for (let i = 0; i < N; i++) events.push(call('identify', { userId: `big${i}`, traits: { email: `big${i}@example.com`, tier: 'gold' } }, day(1)));
      for (let i = 0; i < events.length; i += 2_000) await ingestEvents(db, ws, events.slice(i, i + 2_000));
      const seg = await insertSegment(db, ws, 'gold', { name: 'gold', description: '', condition: { trait: { path: 'tier', op: 'eq', value: 'gold' } } });
      assert.equal((await computeSegment(db, ws, seg.id, day(2)))?.entered, N);
      // Count the member pages the export asks the database for while it is being read.
      let pages = 0;
      const counting = {
        query: <T>(text: string, params?: unknown[]) => {
          if (/FROM segment_members/.test(text)) pages++;
          return db.query<T>(text, params);
        },
        copyFrom: (target: string, data: string) => db.copyFrom(target, data),
      };
      const it = membersCsv(counting, ws, seg.id, { pageSize: 1_000 })[Symbol.asyncIterator]();
      assert.equal((await it.next()).value, 'customer_id,user_id,email,entered_at\n');
      const first = (await it.next()).value as string;
      assert.equal(first.split('\n').length - 1, 1_000, 'a page is one chunk');
      assert.equal(pages, 1, 'the second page is not read before the first is taken');
      await it.next();
      assert.equal(pages, 2);
      let rows = 2_000;
      let largest = first.length;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        rows += (r.value as string).split('\n').length - 1;
        largest = Math.max(largest, (r.value as string).length);
      }
      assert.equal(rows, N, 'every member exported once');
      assert.equal(pages, N / 1_000 + 1, 'one query per page (the last finds nothing more)');
      assert.ok(largest < 100_000, `no chunk near the size of the whole export (${largest} bytes)`);
    });

    it('groups cohorts by the month or week of a first event and by first touch; the condition of a cohort makes a segment with the same members', async () => {
      const ws = (await makeWorkspace(db, 'cohorts')).workspace.id;
      const at = (iso: string) => new Date(iso);
      await ingestEvents(db, ws, [
        call('page', { userId: 'a1', context: { campaign: { source: 'google', medium: 'cpc', name: 'spring' } } }, at('2026-01-04T10:00:00Z')),
        call('track', { userId: 'a1', event: 'Signed Up' }, at('2026-01-05T09:00:00Z')),
        call('track', { userId: 'a1', event: 'Signed Up' }, at('2026-03-01T09:00:00Z')),
        call('page', { userId: 'a2', context: { campaign: { source: 'newsletter', medium: 'email', name: 'winback' } } }, at('2026-01-31T22:00:00Z')),
        call('track', { userId: 'a2', event: 'Signed Up' }, at('2026-01-31T23:00:00Z')),
        call('track', { userId: 'a3', event: 'Signed Up' }, at('2026-02-01T00:00:00Z')),
        call('page', { userId: 'a4', context: { page: { referrer: 'https://www.google.com/' } } }, at('2026-02-02T00:00:00Z')),
      ]);
      const months = await cohorts(db, ws, { by: 'first_event', event: 'Signed Up', period: 'month' });
      assert.deepEqual(
        months.cohorts.map((c) => [c.key, c.count, c.from, c.to]),
        [
          ['2026-01-01', 2, '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
          ['2026-02-01', 1, '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
        ],
      );
      // Weeks start on Monday: 5 January; 31 January (a Saturday) and 1 February (a Sunday) share the week of 26 January.
      const weeks = await cohorts(db, ws, { by: 'first_event', event: 'Signed Up', period: 'week' });
      assert.deepEqual(
        weeks.cohorts.map((c) => [c.key, c.count]),
        [
          ['2026-01-05', 1],
          ['2026-01-26', 2],
        ],
      );
      const channels = await cohorts(db, ws, { by: 'channel', event: 'Signed Up', period: 'month' });
      assert.deepEqual(
        channels.cohorts.map((c) => [c.key, c.count]),
        [
          ['direct', 1],
          ['email', 1],
          ['organic_search', 1],
          ['paid_search', 1],
        ],
      );
      const campaigns = await cohorts(db, ws, { by: 'campaign', event: 'Signed Up', period: 'month' });
      assert.deepEqual(
        campaigns.cohorts.map((c) => [c.key, c.count]),
        [
          ['spring', 1],
          ['winback', 1],
        ],
      );

      const asSegment = async (name: string, condition: unknown) => {
        const seg = await insertSegment(db, ws, `cohort_${name}`, { name, description: '', condition: condition as Condition });
        await computeSegment(db, ws, seg.id, at('2026-04-01T00:00:00Z'));
        return users(ws, seg.id);
      };
      assert.deepEqual(await asSegment('jan', months.cohorts[0]!.condition), ['a1', 'a2'], 'a1 signed up again in March: still a January cohort');
      assert.deepEqual(await asSegment('feb', months.cohorts[1]!.condition), ['a3']);
      assert.deepEqual(await asSegment('direct', channels.cohorts[0]!.condition), ['a3']);
      assert.deepEqual(await asSegment('winback', campaigns.cohorts[1]!.condition), ['a2']);
    });

    it('makes static lists from a CSV file, in chunks, reporting unknown ids by line; entries and exits as for any segment', async () => {
      const ws = (await makeWorkspace(db, 'lists')).workspace.id;
      const events: NormalizedEvent[] = [];
      for (let i = 0; i < 30; i++) events.push(call('identify', { userId: `l${i}`, traits: { n: i } }, day(1)));
      events.push(call('track', { anonymousId: 'anon-1', event: 'Page Viewed' }, day(1)));
      await ingestEvents(db, ws, events);
      const dir = mkdtempSync(join(tmpdir(), 'tenure-list-'));
      try {
        const file = join(dir, 'vips.csv');
        // l0…l19, an anonymous visitor, two unknown ids and an empty cell; the id column is not the first.
        writeFileSync(file, `email,User ID\n${Array.from({ length: 20 }, (_, i) => `x${i}@example.com,l${i}`).join('\n')}\n,anon-1\nz,nobody\nz,\nz,ghost\n`);
        const r = await importList(db, ws, file, { name: 'VIPs', now: day(2), chunk: 7 }); // 4 chunks: replace, then add
        assert.equal(r.ids, 23);
        assert.equal(r.entered, 21);
        assert.equal(r.emptyLines, 1);
        assert.deepEqual(r.unknown, [
          { line: 23, id: 'nobody' },
          { line: 25, id: 'ghost' },
        ]);
        const members = await segmentMembers(db, ws, r.segmentId, { limit: 100 });
        assert.equal(members.length, 21);
        // Replace with l15…l29: l0…l14 and the visitor leave, l20…l29 enter.
        writeFileSync(file, `user_id\n${Array.from({ length: 15 }, (_, i) => `l${i + 15}`).join('\n')}\n`);
        const again = await importList(db, ws, file, { segmentId: r.segmentId, mode: 'replace', now: day(3), chunk: 4 });
        assert.deepEqual([again.entered, again.exited], [10, 16]);
        assert.deepEqual(await users(ws, r.segmentId), Array.from({ length: 15 }, (_, i) => `l${i + 15}`).sort());
        assert.deepEqual((await users(ws, r.segmentId, day(2))).length, 21, 'as of day 2, the first list');
        const exits = await timeline(ws, 'Segment Exited');
        assert.equal(exits.filter((e) => e.segment === r.segmentId).length, 16);
        // Errors name the file and line.
        const before = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segments WHERE workspace_id = $1`, [ws])).rows[0]!.n;
        writeFileSync(file, 'email\nx@example.com\n');
        await assert.rejects(importList(db, ws, file, { name: 'x' }), (e: Error) => e.message === `${file}:1: the header has no column user_id, anonymous_id or id (found: email)`);
        writeFileSync(file, 'user_id\nl1\n"l2\n');
        await assert.rejects(importList(db, ws, file, { segmentId: r.segmentId, mode: 'add' }), (e: Error) => e.message.startsWith(`${file}:3: not valid CSV`));
        await assert.rejects(importList(db, ws, join(dir, 'nope.csv'), { name: 'x' }), (e: Error) => e.message === `${join(dir, 'nope.csv')}: no such file`);
        writeFileSync(file, 'user_id\nl1\n"l2\n');
        await assert.rejects(importList(db, ws, file, { name: 'half a file' }));
        assert.equal((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segments WHERE workspace_id = $1`, [ws])).rows[0]!.n, before, 'failed imports leave no segment behind');
        assert.equal((await users(ws, r.segmentId)).length, 15, 'nor change the list they were to change');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("keeps account segments (B2B) from the accounts' traits and all their members' events", async () => {
      const ws = (await makeWorkspace(db, 'account-segments')).workspace.id;
      await ingestEvents(db, ws, [
        call('group', { userId: 'dana', groupId: 'acme', traits: { name: 'Acme', plan: 'enterprise' } }, day(0)),
        call('group', { userId: 'eli', groupId: 'acme' }, day(0)),
        call('group', { userId: 'fay', groupId: 'beta', traits: { name: 'Beta', plan: 'startup' } }, day(0)),
        call('track', { userId: 'dana', event: 'Order Completed', properties: { revenue: 100 } }, day(10)),
        call('track', { userId: 'eli', event: 'Order Completed', properties: { revenue: 50 } }, day(12)),
        call('track', { userId: 'fay', event: 'Order Completed', properties: { revenue: 70 } }, day(11)),
        call('track', { userId: 'gil', event: 'Order Completed', properties: { revenue: 10 } }, day(11)),
        call('track', { userId: 'gil', event: 'Order Completed', properties: { revenue: 10 } }, day(12)),
      ]);
      let now = day(20);
      const busy = await insertSegment(db, ws, 'acct_busy', { name: 'Busy accounts', description: '', scope: 'account', condition: TWO_ORDERS_60D });
      const enterprise = await insertSegment(db, ws, 'acct_ent', {
        name: 'Enterprise',
        description: '',
        scope: 'account',
        condition: { all: [{ trait: { path: 'plan', op: 'eq', value: 'enterprise' } }, { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 150 } }] },
      });
      const people = await insertSegment(db, ws, 'people_busy', { name: 'Busy people', description: '', condition: TWO_ORDERS_60D });
      for (const s of [busy, enterprise, people]) await computeSegment(db, ws, s.id, now);
      const names = async (id: string, scope: 'customer' | 'account') => (await segmentMembers(db, ws, id, { limit: 10, scope })).map((m) => m.userId).sort();
      assert.deepEqual(await names(busy.id, 'account'), ['acme'], 'dana and eli ordered once each: two for Acme; Beta one');
      assert.deepEqual(await names(enterprise.id, 'account'), ['acme'], '100 + 50');
      assert.deepEqual(await names(people.id, 'customer'), ['gil'], 'gil is in no account: only people segments see him');
      const { rows: dana } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE user_id = 'dana'`);
      assert.deepEqual(
        (await customerSegments(db, ws, dana[0]!.id)).map((s) => s.id),
        [],
        "an account's segments are not its people's",
      );
      assert.equal((await timeline(ws, 'Segment Entered')).filter((e) => e.segment === busy.id).length, 0, 'accounts have no timeline events');

      // Fay's second order makes Beta busy, through the worker (touched customers → their accounts).
      now = day(21);
      const worker = new SegmentWorker(db, { clock: () => now, sweepMs: 0 });
      const r = await ingestEvents(db, ws, [call('track', { userId: 'fay', event: 'Order Completed', properties: { revenue: 5 } }, day(21))]);
      worker.touch(ws, r.customerIds ?? []);
      await worker.idle();
      assert.deepEqual(await names(busy.id, 'account'), ['acme', 'beta']);
      assert.deepEqual(await names(people.id, 'customer'), ['fay', 'gil']);

      // A condition about customers cannot read an account segment, and the reverse.
      const wrong = await checkReferences(db, ws, null, { inSegment: { id: busy.id } }, defaultPreset(), 'customer');
      assert.match(wrong?.message ?? '', /holds accounts; this condition is about customers/);
      assert.equal(await checkReferences(db, ws, null, { inSegment: { id: busy.id } }, defaultPreset(), 'account'), null);
    });

    // Two connections racing: only on PostgreSQL (PGlite has one session, transactions never overlap).
    it('does not enter a customer that a merge in flight is deleting', { skip: target.name === 'pglite' }, async () => {
      const ws = (await makeWorkspace(db, 'segments-merge-race')).workspace.id;
      await ingestEvents(db, ws, [call('identify', { userId: 'yan', traits: { plan: 'pro' } }, day(1))]);
      const seg = await insertSegment(db, ws, 'viewers', { name: 'viewers', description: '', condition: { performed: { event: 'Page Viewed' } } });
      await computeSegment(db, ws, seg.id, day(2));
      await ingestEvents(db, ws, [call('track', { anonymousId: 'anon-x', event: 'Page Viewed' }, day(3))]);
      const idOf = async (kind: string, value: string) =>
        (await db.query<{ customer_id: number }>(`SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = $3`, [ws, kind, value])).rows[0]!.customer_id;
      const x = await idOf('anonymous', 'anon-x');
      const y = await idOf('user', 'yan');
      const segs = [(await getSegment(db, ws, seg.id))!];

      // The merge of x into y, as ingestion runs it (its bucket taken exclusively, then the
      // move), held open until the worker has read x's facts and waits for it.
      const r = await race(
        async (tx) => {
          await guardCustomers(tx, new Set(), [x], false, () => undefined);
          await applyMerge(tx, ws, { fromId: x, intoId: y, reason: 'identify', fromStored: true });
        },
        () => db.transaction((tx) => syncMany(tx, segs, day(4), [x], new Map([[x, new Set(['$any', 'Page Viewed'])]]))),
      );
      assert.equal(r.entered, 0, 'x is gone: it enters nothing');
      const left = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND customer_id = $2`, [ws, x]);
      assert.equal(left.rows[0]!.n, 0, 'no membership of a customer that no longer exists');
      const events = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Segment Entered'`, [ws]);
      assert.equal(events.rows[0]!.n, 0);
    });

    it('drops decisions for a segment edited while they were being made', { skip: target.name === 'pglite' }, async () => {
      const ws = (await makeWorkspace(db, 'segments-edit-race')).workspace.id;
      const seg = await insertSegment(db, ws, 'viewers', { name: 'viewers', description: '', condition: { performed: { event: 'Page Viewed' } } });
      await computeSegment(db, ws, seg.id, day(1));
      const r = await ingestEvents(db, ws, [call('track', { userId: 'zed', event: 'Page Viewed' }, day(2))]);
      const zed = r.customerIds![0]!;
      const decidedWith = [(await getSegment(db, ws, seg.id))!];
      // The edit, as the API and its job run it: the segment's lock, then the new version, held open.
      const r2 = await race(
        async (tx) => {
          await tx.query(`SELECT pg_advisory_xact_lock(30401, hashtext($1::text || ':' || $2::text))`, [String(ws), seg.id]);
          await updateSegment(tx, ws, seg.id, { name: 'buyers', description: '', condition: { performed: { event: 'Order Completed' } } });
        },
        () => db.transaction((tx) => syncMany(tx, decidedWith, day(3), [zed])),
      );
      assert.equal(r2.entered, 0, 'the old condition no longer decides');
      assert.deepEqual(await users(ws, seg.id), []);
    });

    it('evaluates again, once it is done, customers who changed while a new segment was being worked out in full', { skip: target.name === 'pglite' }, async () => {
      const ws = (await makeWorkspace(db, 'segments-compute-race')).workspace.id;
      const vic = (await ingestEvents(db, ws, [call('identify', { userId: 'vic', traits: { plan: 'free' } }, day(1))])).customerIds![0]!;
      const seg = await insertSegment(db, ws, 'pro-race', { name: 'pro', description: '', condition: PRO });
      const worker = new SegmentWorker(db, { clock: () => day(3), sweepMs: 0, refreshMs: 0, againAfterComputationMs: 300 });
      /** Customers recorded to be evaluated later (segment work not yet due). */
      const later = async () =>
        (await db.query<{ id: number }>(`SELECT unnest(subject_ids)::int AS id FROM derived_work WHERE workspace_id = $1 AND kind = 'segment' AND not_before > now()`, [ws])).rows.map((r) => r.id);

      // The segment's first computation: its diff read everyone while vic was on the free
      // plan (no members), holds the segment's lock, and has not committed yet.
      let commit!: () => void;
      const committed = new Promise<void>((res) => (commit = res));
      let computing!: () => void;
      const inDiff = new Promise<void>((res) => (computing = res));
      const computation = db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(30401, hashtext($1::text || ':' || $2::text))`, [String(ws), seg.id]);
        await tx.query(`UPDATE segments SET computed_version = version, computed_at = $3 WHERE workspace_id = $1 AND id = $2`, [ws, seg.id, day(2).toISOString()]);
        computing();
        await committed;
      });
      await inDiff;
      try {
        // Meanwhile vic upgrades; the worker's batch cannot decide a segment not yet worked out.
        const up = await ingestEvents(db, ws, [call('identify', { userId: 'vic', traits: { plan: 'pro' } }, day(2))]);
        worker.touch(ws, up.customerIds ?? [], up.changes);
        await worker.idle();
        assert.deepEqual(await later(), [vic], 'vic is recorded to be evaluated again after the computation');
      } finally {
        commit();
        await computation;
      }
      assert.deepEqual(await users(ws, seg.id), [], 'the computation, as it read, left vic out');

      await new Promise((r) => setTimeout(r, 400));
      await worker.idle();
      assert.deepEqual(await users(ws, seg.id), ['vic'], 'evaluated again once the segment was worked out');
      assert.equal((await timeline(ws, 'Segment Entered')).length, 1);

      // With no computation running, a change needs nothing more: the segment is current.
      const down = await ingestEvents(db, ws, [call('identify', { userId: 'vic', traits: { plan: 'free' } }, day(3))]);
      worker.touch(ws, down.customerIds ?? [], down.changes);
      await worker.idle();
      assert.deepEqual(await users(ws, seg.id), []);
      assert.deepEqual(await later(), [], 'nothing recorded for later');
    });

    it('refuses references to missing segments, cycles and unknown stages, naming the node', async () => {
      const ws = (await makeWorkspace(db, 'segments-refs')).workspace.id;
      const model = defaultPreset();
      const a = await insertSegment(db, ws, 'seg_a', { name: 'a', description: '', condition: PRO });
      await insertSegment(db, ws, 'seg_b', { name: 'b', description: '', condition: { inSegment: { id: a.id } } });
      assert.equal(await checkReferences(db, ws, null, { all: [PRO, { inSegment: { id: 'seg_b' } }] }, model), null);
      assert.deepEqual(await checkReferences(db, ws, null, { all: [PRO, { inSegment: { id: 'nope' } }] }, model), {
        field: 'condition.all.1.inSegment.id',
        message: 'condition.all.1.inSegment.id: no segment "nope"',
      });
      const cycle = await checkReferences(db, ws, 'seg_a', { any: [PRO, { not: { inSegment: { id: 'seg_b' } } }] }, model);
      assert.equal(cycle?.field, 'condition.any.1.not.inSegment.id');
      assert.match(cycle!.message, /depends on this segment/);
      const unknownStage = await checkReferences(db, ws, null, { stage: { key: 'vip' } }, model);
      assert.equal(unknownStage?.field, 'condition.stage.key');
      assert.match(unknownStage!.message, /no stage "vip"/);
    });
  });
}
