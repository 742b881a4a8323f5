import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { basic, http, until } from '../src/test-support/harness.js';
import { freePort, killHard, serverTargets, spawnServer } from '../src/test-support/child-server.js';

/**
 * Fault injection: SIGKILL right after ingestion acknowledged events whose stage and
 * segment work had not run yet. The sweeps are set to a day, so after the restart only the
 * work recorded durably in the ingestion transactions can bring the customers to the stage
 * and segments their events put them in.
 */
for (const target of serverTargets('crash-derived')) {
  describe(`SIGKILL with stage and segment work pending (${target.name})`, () => {
    after(() => target.cleanup());

    it('after a restart every customer reaches their stage and segments, with no sweep', { timeout: 180_000 }, async () => {
      const writeKey = `tw_crash_${randomBytes(16).toString('hex')}`;
      const adminKey = `ta_crash_${randomBytes(16).toString('hex')}`;
      const env = {
        ...(await target.env()),
        TENURE_WRITE_KEY: writeKey,
        TENURE_ADMIN_KEY: adminKey,
        TENURE_STAGE_SWEEP_SECONDS: '86400',
        TENURE_SEGMENT_REFRESH_SECONDS: '86400',
        TENURE_ANALYTICS_SYNC_SECONDS: '0',
      };
      const port = await freePort();
      let server = await spawnServer(env, port);
      const api = (path: string, body?: unknown) => http(`${server.url}${path}`, { auth: `Bearer ${adminKey}`, body });

      const seg = await api('/api/segments', { name: 'Buyers', condition: { performed: { event: 'Order Completed' } } });
      assert.equal(seg.status, 201, JSON.stringify(seg.body));
      const segId = seg.body.segment.id as string;
      await until('the segment computed', async () => ((await api(`/api/segments/${segId}`)).body.computedAt ? true : undefined), 30_000);

      // 50 customers sign up; 30 of them buy. One request, acknowledged, then the power cut.
      const t = Date.now() - 60_000;
      const batch: unknown[] = [];
      for (let i = 0; i < 50; i++) {
        const userId = `crash-${i}`;
        batch.push({ type: 'track', userId, event: 'Signed Up', messageId: `${userId}-s`, timestamp: new Date(t + i).toISOString() });
        if (i < 30) batch.push({ type: 'track', userId, event: 'Order Completed', messageId: `${userId}-o`, timestamp: new Date(t + 1_000 + i).toISOString(), properties: { revenue: 10 } });
      }
      const r = await http(`${server.url}/v1/batch`, { auth: basic(writeKey), body: { batch } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await killHard(server.child);

      if (target.name === 'postgres') {
        // The kill landed before the work was done: it is still recorded (else this test proves nothing).
        const c = new pg.Client({ connectionString: (env as Record<string, string>).DATABASE_URL });
        await c.connect();
        try {
          const { rows } = await c.query<{ n: number }>(`SELECT coalesce(sum(cardinality(subject_ids)), 0)::int AS n FROM derived_work`);
          assert.ok(rows[0]!.n > 0, 'work was pending at the kill');
        } finally {
          await c.end();
        }
      }

      server = await spawnServer(env, port);
      try {
        const dist = await until(
          'every customer in their stage',
          async () => {
            const d = (await api('/api/lifecycle/distribution')).body as { total: number; stages: Array<{ key: string; count: number }> };
            const count = (k: string) => d.stages.find((s) => s.key === k)?.count ?? 0;
            return d.total === 50 && count('conversion') === 30 ? d : undefined;
          },
          20_000,
        );
        assert.equal(dist.stages.find((s) => s.key === 'engagement')?.count, 20);
        // Membership equals what the SQL compiler says for the same condition.
        const members = await until('the buyers in the segment', async () => {
          const m = (await api(`/api/segments/${segId}`)).body as { members: number };
          const n = m.members;
          return n === 30 ? n : undefined;
        });
        const preview = await api('/api/segments/preview', { condition: { performed: { event: 'Order Completed' } } });
        assert.equal(preview.status, 200, JSON.stringify(preview.body));
        assert.equal(preview.body.count, members);
        const work = await until('no work left', async () => {
          const w = (await api('/api/work')).body as { pending: { stage: number; segment: number }; parked: unknown[] };
          return w.pending.stage === 0 && w.pending.segment === 0 ? w : undefined;
        });
        assert.deepEqual(work.parked, []);
      } finally {
        await killHard(server.child);
      }
    });
  });
}
