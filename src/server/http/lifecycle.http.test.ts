import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { seedDemo } from '../demo/demo.js';
import { activationPreset } from '../lifecycle/presets.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';

const DEFAULT_STAGES = ['awareness', 'engagement', 'conversion', 'retention', 'loyalty', 'at_risk', 'churned'];

for (const target of dbTargets()) {
  describe(`lifecycle admin API on the demo data (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let keys: Awaited<ReturnType<typeof makeWorkspace>>;
    let admin: string;
    let customers: number;
    before(async () => {
      db = await target.open();
      keys = await makeWorkspace(db, 'lifecycle');
      admin = `Bearer ${keys.adminKey}`;
      await seedDemo(db, keys.workspace.id, { customers: 400, seed: 11, predictions: false });
      customers = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [keys.workspace.id])).rows[0]!.n;
      server = await startServer(db);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('populates every stage of the default model', async () => {
      const r = await http(`${server.url}/api/lifecycle/distribution`, { auth: admin });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.stages.map((s: { key: string }) => s.key),
        DEFAULT_STAGES,
      );
      for (const s of r.body.stages) assert.ok(s.count > 0, `stage ${s.key} is empty: ${JSON.stringify(r.body.stages)}`);
      assert.equal(r.body.total, customers);
    });

    it('ships example segments and the RFM groups on the demo data, each with members, matching a preview of its condition', async () => {
      const r = await http(`${server.url}/api/segments`, { auth: admin });
      assert.equal(r.status, 200);
      assert.ok(r.body.segments.length >= 5 + 11);
      const rfm = await http(`${server.url}/api/rfm`, { auth: admin });
      assert.equal(rfm.status, 200);
      assert.equal(rfm.body.groups.length, 11);
      for (const g of rfm.body.groups) assert.ok(g.count > 0, `RFM group ${g.key} is empty: ${JSON.stringify(rfm.body.groups.map((x: { key: string; count: number }) => [x.key, x.count]))}`);
      const buyers = (await db.query<{ n: number }>(`SELECT count(DISTINCT customer_id)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Order Completed'`, [keys.workspace.id])).rows[0]!.n;
      assert.equal(rfm.body.buyers, buyers);
      assert.equal(
        rfm.body.groups.reduce((n: number, g: { count: number }) => n + g.count, 0),
        buyers,
        'every buyer in exactly one group',
      );
      const edit = await http(`${server.url}/api/segments/rfm_champions`, { auth: admin, method: 'PUT', body: { name: 'x', condition: { trait: { path: 'a', op: 'exists' } } } });
      assert.equal(edit.status, 409);
      for (const seg of r.body.segments) {
        assert.ok(seg.members > 0, `example segment "${seg.name}" is empty`);
        assert.ok(seg.members < customers, `example segment "${seg.name}" holds everyone`);
        assert.equal(seg.upToDate, true);
        const p = await http(`${server.url}/api/segments/preview`, { auth: admin, body: { condition: seg.condition, sample: 0 } });
        // Time has moved on since the demo's "now" only by the test's run time: windows of days give the same answer.
        assert.equal(p.body.count, seg.members, `preview of "${seg.name}"`);
      }
    });

    it('shows forward, skipped and backward moves in the flows', async () => {
      const r = await http(`${server.url}/api/lifecycle/flows`, { auth: admin });
      assert.equal(r.status, 200);
      const p = r.body.patterns;
      assert.ok(p.linear > 0 && p.skip > 0 && p.regression > 0 && p.recovered > 0, JSON.stringify(p));
      assert.equal(p.entered, customers, 'every customer entered a first stage once');
      const flow = (from: string, to: string) => r.body.flows.find((f: { from: string; to: string }) => f.from === from && f.to === to);
      assert.ok(flow('engagement', 'conversion')?.patterns.linear > 0);
      assert.ok(flow('retention', 'at_risk')?.patterns.regression > 0);
      // The sum of flows is the number of moves.
      const moves = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_transitions WHERE workspace_id = $1`, [keys.workspace.id])).rows[0]!.n;
      assert.equal(
        r.body.flows.reduce((n: number, f: { count: number }) => n + f.count, 0),
        moves,
      );
      // A window: only the moves in it.
      const from = new Date(Date.now() - 90 * 86_400_000).toISOString();
      const recent = await http(`${server.url}/api/lifecycle/flows?from=${encodeURIComponent(from)}`, { auth: admin });
      const inWindow = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_transitions WHERE workspace_id = $1 AND at >= $2`, [keys.workspace.id, from])).rows[0]!.n;
      assert.equal(
        recent.body.flows.reduce((n: number, f: { count: number }) => n + f.count, 0),
        inWindow,
      );
      const bad = await http(`${server.url}/api/lifecycle/flows?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, { auth: admin });
      assert.equal(bad.status, 400);
    });

    it('reconstructs the distribution as of a past date from the history', async () => {
      const now = await http(`${server.url}/api/lifecycle/distribution`, { auth: admin });
      // As of now, the history says exactly what the current states say.
      const asOfNow = await http(`${server.url}/api/lifecycle/distribution?at=${encodeURIComponent(new Date().toISOString())}`, { auth: admin });
      assert.deepEqual(asOfNow.body.stages, now.body.stages);
      // A year ago fewer customers had arrived, and the count matches who had a first event by then.
      const yearAgo = new Date(Date.now() - 365 * 86_400_000);
      const past = await http(`${server.url}/api/lifecycle/distribution?at=${encodeURIComponent(yearAgo.toISOString())}`, { auth: admin });
      const arrived = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND (SELECT min(timestamp) FROM events e WHERE e.customer_id = c.id AND e.type <> 'tenure') <= $2`,
          [keys.workspace.id, yearAgo.toISOString()],
        )
      ).rows[0]!.n;
      assert.equal(past.body.total, arrived);
      assert.ok(past.body.total < now.body.total);
      const bad = await http(`${server.url}/api/lifecycle/distribution?at=yesterday`, { auth: admin });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
    });

    it('gives per-stage numbers: count, time in stage, conversion and drop-off', async () => {
      const dist = await http(`${server.url}/api/lifecycle/distribution`, { auth: admin });
      const r = await http(`${server.url}/api/lifecycle/stages/conversion`, { auth: admin });
      assert.equal(r.status, 200);
      assert.equal(r.body.count, dist.body.stages.find((s: { key: string }) => s.key === 'conversion').count);
      assert.equal(r.body.nextStage, 'retention');
      assert.ok(r.body.entered >= r.body.exited && r.body.exited > 0);
      assert.ok(r.body.conversionRate > 0 && r.body.conversionRate < 1, JSON.stringify(r.body));
      assert.ok(r.body.dropOffRate > 0 && r.body.conversionRate + r.body.dropOffRate <= 1 + 1e-9);
      assert.ok(r.body.medianDaysInStage > 0 && r.body.p90DaysInStage >= r.body.medianDaysInStage);
      // Checked against the history by hand: share of ended conversion stays followed by retention or loyalty.
      const { rows } = await db.query<{ forward: number; exited: number }>(
        `WITH t AS (SELECT to_stage, lead(to_stage) OVER (PARTITION BY subject_id ORDER BY at, id) AS next FROM stage_transitions WHERE workspace_id = $1)
         SELECT count(*) FILTER (WHERE next IN ('retention', 'loyalty'))::int AS forward, count(next)::int AS exited FROM t WHERE to_stage = 'conversion'`,
        [keys.workspace.id],
      );
      assert.equal(r.body.conversionRate, rows[0]!.forward / rows[0]!.exited);
      const missing = await http(`${server.url}/api/lifecycle/stages/nope`, { auth: admin });
      assert.equal(missing.status, 404);
    });

    it("shows a customer's stage, history, and filters customers by stage", async () => {
      const list = await http(`${server.url}/api/customers?stage=loyalty&limit=20`, { auth: admin });
      assert.equal(list.status, 200);
      assert.ok(list.body.customers.length > 0);
      for (const c of list.body.customers) assert.equal(c.stage, 'loyalty');
      const who = list.body.customers[0].userId as string;
      const detail = await http(`${server.url}/api/customers/${encodeURIComponent(who)}`, { auth: admin });
      assert.equal(detail.body.stage, 'loyalty');
      const hist = await http(`${server.url}/api/customers/${encodeURIComponent(who)}/stages`, { auth: admin });
      assert.equal(hist.status, 200);
      const moves = hist.body.moves;
      assert.equal(moves[0].pattern, 'entered');
      assert.equal(moves[moves.length - 1].to, 'loyalty');
      assert.equal(moves[moves.length - 1].at, detail.body.stageSince);
      for (let i = 1; i < moves.length; i++) assert.equal(moves[i].from, moves[i - 1].to);
      // The same moves are on the timeline as Lifecycle Stage Changed events.
      const timeline = await http(`${server.url}/api/customers/${encodeURIComponent(who)}/events?limit=1000`, { auth: admin });
      const changes = timeline.body.events.filter((e: { event: string }) => e.event === 'Lifecycle Stage Changed');
      assert.equal(changes.length, moves.length);
      assert.equal(changes[0].type, 'tenure');
      assert.equal(hist.body.extended, false, 'loyalty has no expected duration');
      // Conversion expects 45 days: a customer there for longer is flagged extended, a newcomer is not.
      const conv = await http(`${server.url}/api/customers?stage=conversion&limit=500`, { auth: admin });
      const old = conv.body.customers.find((c: { stageSince: string }) => Date.now() - Date.parse(c.stageSince) > 46 * 86_400_000);
      const fresh = conv.body.customers.find((c: { stageSince: string }) => Date.now() - Date.parse(c.stageSince) < 44 * 86_400_000);
      assert.ok(old, 'a long-standing conversion customer');
      assert.equal((await http(`${server.url}/api/customers/${encodeURIComponent(old.userId ?? old.anonymousIds[0])}/stages`, { auth: admin })).body.extended, true);
      if (fresh) assert.equal((await http(`${server.url}/api/customers/${encodeURIComponent(fresh.userId ?? fresh.anonymousIds[0])}/stages`, { auth: admin })).body.extended, false);
    });

    it('moves a customer the moment an event arrives', async () => {
      const r = await http(`${server.url}/v1/track`, { auth: basic(keys.writeKey), body: { userId: 'realtime-1', event: 'Order Completed', properties: { revenue: 20 } } });
      assert.equal(r.status, 200);
      const stage = await until('the stage', async () => {
        const c = await http(`${server.url}/api/customers/realtime-1`, { auth: admin });
        return c.status === 200 && c.body.stage ? (c.body.stage as string) : undefined;
      });
      assert.equal(stage, 'conversion');
      await http(`${server.url}/v1/track`, { auth: basic(keys.writeKey), body: { userId: 'realtime-1', event: 'Order Completed', properties: { revenue: 30 } } });
      await until('retention', async () => ((await http(`${server.url}/api/customers/realtime-1`, { auth: admin })).body.stage === 'retention' ? true : undefined));
      const hist = await http(`${server.url}/api/customers/realtime-1/stages`, { auth: admin });
      assert.deepEqual(
        hist.body.moves.map((m: { to: string; pattern: string }) => `${m.to}:${m.pattern}`),
        ['conversion:entered', 'retention:linear'],
      );
    });

    it('refuses an invalid model with the path of the bad rule, and keeps the old one', async () => {
      const model = activationPreset();
      const noRule = { ...model, stages: model.stages.map((s, i) => (i === 2 ? { ...s, rule: undefined } : s)) };
      const r1 = await http(`${server.url}/api/lifecycle/model`, { method: 'PUT', auth: admin, body: noRule });
      assert.equal(r1.status, 400);
      assert.equal(r1.body.error.code, 'validation_failed');
      assert.match(r1.body.error.message, /stages\.2\.rule/);
      const badOp = structuredClone(model) as { stages: Array<{ rule?: unknown }> };
      badOp.stages[1]!.rule = { any: [{ performed: { event: 'Signed Up', count: { op: 'about', value: 1 } } }] };
      const r2 = await http(`${server.url}/api/lifecycle/model`, { method: 'PUT', auth: admin, body: badOp });
      assert.equal(r2.status, 400);
      assert.match(r2.body.error.message, /stages\.1\.rule\.any\.0\.performed\.count\.op/);
      const selfRef = structuredClone(model) as { stages: Array<{ rule?: unknown }> };
      selfRef.stages[3]!.rule = { stage: { key: 'activation' } };
      const r3 = await http(`${server.url}/api/lifecycle/model`, { method: 'PUT', auth: admin, body: selfRef });
      assert.equal(r3.status, 400);
      assert.match(r3.body.error.message, /stages\.3\.rule/);
      const current = await http(`${server.url}/api/lifecycle/model`, { auth: admin });
      assert.equal(current.body.version, 0);
      assert.equal(current.body.model.name, 'Default (five stages)');
    });

    it('replaces the model and recomputes every stage as a job with progress', async () => {
      const presets = await http(`${server.url}/api/lifecycle/presets`, { auth: admin });
      const activation = presets.body.presets.find((p: { name: string }) => p.name === 'activation').model;
      const r = await http(`${server.url}/api/lifecycle/model`, { method: 'PUT', auth: admin, body: activation });
      assert.equal(r.status, 202);
      assert.equal(r.body.version, 1);
      const job = await until(
        'the recompute',
        async () => {
          const j = await http(`${server.url}/api/jobs/${r.body.job.id}`, { auth: admin });
          return j.body.status === 'done' || j.body.status === 'failed' ? j.body : undefined;
        },
        60_000,
      );
      assert.equal(job.status, 'done', job.error);
      assert.equal(job.done, job.total);
      assert.equal(job.total, customers + 1); // the demo's customers and realtime-1
      const dist = await http(`${server.url}/api/lifecycle/distribution`, { auth: admin });
      assert.deepEqual(
        dist.body.stages.map((s: { key: string }) => s.key),
        ['awareness', 'acquisition', 'activation', 'engagement', 'retention', 'loyalty', 'at_risk', 'churned'],
      );
      assert.equal(dist.body.total, customers + 1);
      const model = await http(`${server.url}/api/lifecycle/model`, { auth: admin });
      assert.equal(model.body.version, 1);
      const missing = await http(`${server.url}/api/jobs/999999`, { auth: admin });
      assert.equal(missing.status, 404);
    });
  });
}
