import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { findCustomerId, getCustomer } from '../identity/customers.read.js';
import { isEmpty, seedDemo } from './demo.js';
import { EXAMPLE_JOURNEYS } from './example-journeys.js';
import { JourneyDefinitionSchema } from '../../contracts/journey.js';
import { getModel } from '../lifecycle/models.repo.js';
import { checkDefinition } from '../journeys/journeys.service.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall } from '../ingest/normalize.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { outboxSenders } from '../channels/senders.js';
import { METRICS } from '../analytics/catalogue.js';
import { metricSeries } from '../analytics/metrics.service.js';
import { buildReport, reportMarkdown } from '../analytics/report.js';
import { funnel } from '../analytics/funnels.js';
import { npsScore } from './simulate.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('demo NPS answers', () => {
  it('follow the first month: engagement, orders, support tickets, a cancellation', () => {
    const ev = (...names: string[]) => names.map((event) => ({ event }));
    // 7.8 + 3.5·(0.4 − 0.4) + 0.5·1 = 8.3 → 8 (a passive).
    assert.equal(npsScore(0.4, ev('Order Completed', 'Product Viewed'), 0), 8);
    // 7.8 + 3.5·0.1 + 0.5·2 (a third order adds nothing) = 9.15 → 9 (a promoter).
    assert.equal(npsScore(0.5, ev('Order Completed', 'Order Completed', 'Order Completed'), 0), 9);
    // 7.8 − 1.5 (a ticket) − 2 (a cancelled subscription) − 0.4 = 3.9 → 4 (a detractor).
    assert.equal(npsScore(0.4, ev('Support Ticket Created', 'Subscription Cancelled'), -0.4), 4);
    // Kept within 0–10.
    assert.equal(npsScore(1, ev('Order Completed', 'Order Completed'), 3), 10);
    assert.equal(npsScore(0, ev('Support Ticket Created', 'Support Ticket Created', 'Support Ticket Created', 'Subscription Cancelled'), -2), 0);
  });
});

for (const target of dbTargets()) {
  describe(`demo data (${target.name})`, () => {
    let db: Db;
    let a: Awaited<ReturnType<typeof makeWorkspace>>;
    let b: Awaited<ReturnType<typeof makeWorkspace>>;
    before(async () => {
      db = await target.open();
      a = await makeWorkspace(db, 'demo-a');
      b = await makeWorkspace(db, 'demo-b');
      await seedDemo(db, a.workspace.id, { customers: 150, seed: 7, now: NOW });
      await seedDemo(db, b.workspace.id, { customers: 150, seed: 7, now: NOW });
    });
    after(() => db.close());

    const fingerprint = async (ws: number) =>
      (
        await db.query<{ n: number; h: string; revenue: number }>(
          `SELECT count(*)::int AS n,
                  md5(string_agg(message_id || type || coalesce(event, '') || timestamp::text || properties::text, ',' ORDER BY message_id)) AS h,
                  coalesce(sum((properties->>'revenue')::numeric) FILTER (WHERE event = 'Order Completed'), 0)::float8 AS revenue
             FROM events WHERE workspace_id = $1 AND type <> 'tenure'`,
          [ws],
        )
      ).rows[0]!;

    it('is deterministic: the same seed and date give the same events', async () => {
      const fa = await fingerprint(a.workspace.id);
      const fb = await fingerprint(b.workspace.id);
      assert.deepEqual(fa, fb);
      assert.ok(fa.n > 150 * 40, `only ${fa.n} events for 150 customers`);
      assert.ok(fa.revenue > 0);
      // The lifecycle history replayed from those events is the same too.
      const moves = async (ws: number) =>
        (
          await db.query<{ h: string; n: number }>(
            `SELECT count(*)::int AS n, md5(string_agg(coalesce(c.user_id, '?') || t.to_stage || t.at::text || t.pattern, ',' ORDER BY c.user_id, t.at, t.to_stage)) AS h
               FROM stage_transitions t JOIN customers c ON c.id = t.subject_id WHERE t.workspace_id = $1 AND c.user_id IS NOT NULL`,
            [ws],
          )
        ).rows[0]!;
      const ma = await moves(a.workspace.id);
      assert.deepEqual(ma, await moves(b.workspace.id));
      assert.ok(ma.n > 150, `only ${ma.n} stage moves`);
    });

    it('spans the 18 months before now, and nothing after', async () => {
      const { rows } = await db.query<{ min: Date; max: Date }>('SELECT min(timestamp) AS min, max(timestamp) AS max FROM events WHERE workspace_id = $1', [a.workspace.id]);
      assert.ok(rows[0]!.max.getTime() <= NOW.getTime());
      const days = (NOW.getTime() - rows[0]!.min.getTime()) / DAY;
      assert.ok(days > 500 && days < 560, `history spans ${days} days`);
    });

    it('has the lifecycle a business needs: orders, repeat buyers, subscriptions, churn, surveys, referrals, support, email', async () => {
      const { rows } = await db.query<{ event: string; n: number }>('SELECT event, count(*)::int AS n FROM events WHERE workspace_id = $1 AND event IS NOT NULL GROUP BY event', [a.workspace.id]);
      const count = Object.fromEntries(rows.map((r) => [r.event, r.n]));
      for (const e of [
        'Signed Up',
        'Order Completed',
        'Checkout Started',
        'Trial Started',
        'Subscription Started',
        'Subscription Cancelled',
        'Survey Responded',
        'Support Ticket Created',
        'Email Delivered',
        'Email Opened',
        'Referral Sent',
        'Lead Created',
        'Lead Contacted',
        'Feature Used',
      ]) {
        assert.ok((count[e] ?? 0) > 0, `no ${e} events`);
      }
      assert.equal(count['Signed Up'], 150);
      const repeat = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT customer_id FROM events WHERE workspace_id = $1 AND event = 'Order Completed' GROUP BY customer_id HAVING count(*) >= 2) x`,
        [a.workspace.id],
      );
      assert.ok(repeat.rows[0]!.n > 10, 'repeat buyers exist');
      const dormant = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.timestamp > $2 AND e.event NOT LIKE 'Email %' AND e.type <> 'tenure')`,
        [a.workspace.id, new Date(NOW.getTime() - 90 * DAY)],
      );
      assert.ok(dormant.rows[0]!.n > 20, `only ${dormant.rows[0]!.n} customers inactive for 90 days`);
      const nps = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Survey Responded' AND properties->>'type' = 'nps' AND (properties->>'score')::int BETWEEN 0 AND 10`,
        [a.workspace.id],
      );
      assert.ok(nps.rows[0]!.n > 10);
    });

    it('writes profiles as ingestion would: both identities, traits, first touch from the campaign', async () => {
      const { rows } = await db.query<{ user_id: string; channel: string; source: string }>(
        `SELECT c.user_id, c.first_touch->>'channel' AS channel, e.context->'campaign'->>'source' AS source
           FROM customers c JOIN events e ON e.customer_id = c.id AND e.type = 'page' AND e.context ? 'campaign'
          WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL AND c.first_touch->>'channel' = 'paid_search' LIMIT 1`,
        [a.workspace.id],
      );
      assert.equal(rows.length, 1, 'a paid-search customer exists');
      const id = await findCustomerId(db, a.workspace.id, rows[0]!.user_id);
      const c = await getCustomer(db, a.workspace.id, id!);
      assert.ok(c);
      assert.equal(c.anonymousIds.length, 1);
      assert.equal(await findCustomerId(db, a.workspace.id, c.anonymousIds[0]!), id);
      assert.match(String(c.traits.email), /@example\.com$/);
      assert.equal(c.acquisitionChannel, 'paid_search');
      assert.equal(rows[0]!.source, 'google');
      // First and last seen are of activity (rules/activity.ts): not the mail sent to them, its opens, or leaving the list.
      const seen = await db.query<{ first: Date; last: Date }>(
        `SELECT min(timestamp) AS first, max(timestamp) AS last FROM events
          WHERE customer_id = $1 AND type IN ('track', 'page', 'screen') AND coalesce(event, '') NOT IN ('Email Delivered', 'Email Opened', 'Unsubscribed')`,
        [id],
      );
      assert.equal(c.firstSeenAt, seen.rows[0]!.first.toISOString());
      assert.equal(c.lastSeenAt, seen.rows[0]!.last.toISOString());
    });

    it('has accounts with members, and marketing spend for the paid channels', async () => {
      const acc = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM account_members m JOIN accounts a ON a.id = m.account_id WHERE a.workspace_id = $1', [a.workspace.id]);
      assert.ok(acc.rows[0]!.n > 10);
      const spend = await db.query<{ channel: string; total: number }>('SELECT channel, sum(amount)::float8 AS total FROM marketing_spend WHERE workspace_id = $1 GROUP BY channel', [a.workspace.id]);
      const byChannel = Object.fromEntries(spend.rows.map((r) => [r.channel, r.total]));
      assert.ok(byChannel.paid_search! > byChannel.organic_search!, 'paid search costs more than SEO');
      assert.equal(byChannel.direct, undefined);
    });

    it('ships the example journeys, live and valid, acting on what happens from now on', async () => {
      const ws = a.workspace.id;
      const { rows } = await db.query<{ id: string; status: string }>(`SELECT id, status FROM journeys WHERE workspace_id = $1 ORDER BY id`, [ws]);
      assert.deepEqual(
        rows.map((r) => `${r.id}:${r.status}`),
        ['jny_checkout:live', 'jny_referral:live', 'jny_review:live', 'jny_trial:live', 'jny_welcome:live', 'jny_winback:live'],
      );
      const { model } = await getModel(db, ws);
      for (const j of EXAMPLE_JOURNEYS) assert.equal(await checkDefinition(db, ws, JourneyDefinitionSchema.parse(j.definition), model), null, j.id);
      // 18 months of history start no journey by themselves; the win-back journey was published
      // with "also enter the current members", so every customer at risk now is in it.
      const { rows: history } = await db.query<{ journey_id: string; n: number }>(`SELECT journey_id, count(*)::int AS n FROM journey_runs WHERE workspace_id = $1 GROUP BY 1`, [ws]);
      const { rows: atRisk } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND stage = 'at_risk'`, [ws]);
      assert.ok(atRisk[0]!.n > 0);
      assert.deepEqual(history, [{ journey_id: 'jny_winback', n: atRisk[0]!.n }]);
      // A sign-up now: the welcome journey greets them, into the outbox (no SMTP server here).
      const now = new Date();
      const ev = (type: 'identify' | 'track', f: Record<string, unknown>, i: number) => {
        const r = normalizeCall({ messageId: `demo-live-${i}`, timestamp: now.toISOString(), ...f }, type, { receivedAt: now, bodyBytes: 100 }, 0, '');
        assert.ok(r.ok);
        return r.value;
      };
      await ingestEvents(db, ws, [
        ev('identify', { userId: 'new-demo-user', traits: { email: 'new@brewline.example', first_name: 'Nia' } }, 1),
        ev('track', { userId: 'new-demo-user', event: 'Signed Up' }, 2),
      ]);
      const worker = new JourneyWorker(db, { senders: outboxSenders(), publicUrl: 'http://127.0.0.1:3000' });
      await worker.drain();
      const { rows: sent } = await db.query<{ subject: string; status: string; provider_id: string; body_html: string }>(
        `SELECT m.subject, m.status, m.provider_id, m.body_html FROM messages m JOIN customers c ON c.id = m.customer_id WHERE c.user_id = 'new-demo-user'`,
      );
      assert.equal(sent.length, 1);
      // Not sent (no provider): kept in the outbox, said so, and no delivery on the timeline.
      assert.deepEqual([sent[0]!.subject, sent[0]!.status, sent[0]!.provider_id], ['Welcome to Brewline, Nia', 'outboxed', 'outbox']);
      assert.match(sent[0]!.body_html, /Hi Nia,/);
      const { rows: delivered } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events e JOIN customers c ON c.id = e.customer_id WHERE c.user_id = 'new-demo-user' AND e.event IN ('Email Delivered', 'SMS Delivered')`,
      );
      assert.equal(delivered[0]!.n, 0);
    });

    it('gives every KPI of the catalogue a sensible value over its last year, and a readable report', async () => {
      const from = '2025-06-01';
      const to = '2026-06-01';
      for (const m of METRICS) {
        const r = await metricSeries(db, a.workspace.id, m.name, { from, to, interval: 'quarter' });
        assert.ok(r.ok, `${m.name}: ${JSON.stringify(r)}`);
        const v = r.value.total;
        assert.ok(v !== null && Number.isFinite(v), `${m.name} has a value over the year (got ${v})`);
        if (m.unit === 'percent' && m.name !== 'net_revenue_retention') assert.ok(v >= 0 && v <= 100, `${m.name} = ${v}%`);
        if (m.name === 'nps') assert.ok(v >= -100 && v <= 100, `nps = ${v}`);
        if (['count', 'currency', 'days', 'minutes', 'ratio'].includes(m.unit) && m.name !== 'revenue') assert.ok(v >= 0, `${m.name} = ${v}`);
      }
      const report = await buildReport(db, a.workspace.id, '2026-03-01', '2026-06-01');
      assert.ok(report.ok);
      const md = reportMarkdown(report.value, 'Demo');
      for (const m of METRICS) assert.ok(md.includes(`| ${m.title}`), `the report shows ${m.title}`);
      // 92 days (March, April, May) before 2026-03-01.
      assert.match(md, /compared with 2025-11-29 to 2026-03-01/);
    });

    it('has a plausible shop funnel and NPS: people view and leave, checkouts are abandoned, the business is healthy', async () => {
      const f = await funnel(db, a.workspace.id, { from: '2025-06-01', to: '2026-06-01', steps: ['Product Viewed', 'Checkout Started', 'Order Completed'], within: '7d' });
      assert.ok(f.ok, JSON.stringify(f));
      const [, checkout, order] = f.value.steps;
      // Before, every view led to a checkout and every checkout to an order (100% / 100%).
      for (const s of [checkout!, order!]) assert.ok(s.conversion !== null && s.conversion > 0.2 && s.conversion < 0.95, `${s.step}: ${s.conversion}`);
      // Before, NPS over the year was −43 (answers around 6 of 10 on average).
      const nps = await metricSeries(db, a.workspace.id, 'nps', { from: '2025-06-01', to: '2026-06-01', interval: 'quarter' });
      assert.ok(nps.ok);
      const v = nps.value.total;
      assert.ok(v !== null && v > 0 && v < 60, `nps = ${v}`);
    });

    it('leaves every index of events valid and on every partition (an empty PGlite database loads without them, then builds them)', async () => {
      const { rows: parent } = await db.query<{ name: string; valid: boolean }>(
        `SELECT indexrelid::regclass::text AS name, indisvalid AS valid FROM pg_index WHERE indrelid = 'events'::regclass ORDER BY 1`,
      );
      assert.deepEqual(
        parent.map((r) => r.name),
        ['events_customer_event_time_idx', 'events_customer_time_idx', 'events_id_timestamp_pk', 'events_ws_event_time_idx'],
      );
      assert.ok(
        parent.every((r) => r.valid),
        JSON.stringify(parent),
      );
      // Each partition holds one index attached to each of the parent's.
      const { rows: partitions } = await db.query<{ partition: string; indexes: string[] }>(
        `SELECT c.relname AS partition, array_agg(pi.inhparent::regclass::text ORDER BY pi.inhparent::regclass::text) FILTER (WHERE ix.indisvalid) AS indexes
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           LEFT JOIN pg_index ix ON ix.indrelid = c.oid LEFT JOIN pg_inherits pi ON pi.inhrelid = ix.indexrelid
          WHERE i.inhparent = 'events'::regclass GROUP BY 1 ORDER BY 1`,
      );
      assert.ok(partitions.some((p) => p.partition === 'events_default'));
      for (const p of partitions)
        assert.deepEqual(
          p.indexes,
          parent.map((r) => r.name),
          p.partition,
        );
    });

    it('refuses to load into a workspace that has data', async () => {
      assert.equal(await isEmpty(db, a.workspace.id), false);
      await assert.rejects(seedDemo(db, a.workspace.id, { customers: 5 }), /already has events/);
    });
  });
}
