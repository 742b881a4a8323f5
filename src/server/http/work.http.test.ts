import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`durable work admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'work-http');
      // No stage or segment worker in this process: the work the events record waits.
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('GET /api/work shows what waits for each background loop and how old the oldest is; the write key is refused', async () => {
      const batch = ['ann', 'ben', 'cy'].map((userId, i) => ({ type: 'track', userId, event: 'Signed Up', messageId: `work-${i}` }));
      assert.equal((await http(`${server.url}/v1/batch`, { auth: basic(ws.writeKey), body: { batch } })).status, 200);
      await db.query(`UPDATE derived_work SET created_at = now() - interval '45 seconds' WHERE workspace_id = $1`, [ws.workspace.id]);

      const r = await http(`${server.url}/api/work`, { auth: `Bearer ${ws.adminKey}` });
      assert.equal(r.status, 200);
      const body = r.body as { pending: { stage: number; segment: number }; lag: Record<string, { waiting: number | null; oldestSeconds: number | null }> };
      assert.deepEqual(body.pending, { stage: 3, segment: 3 });
      for (const kind of ['stage', 'segment']) {
        assert.equal(body.lag[kind]!.waiting, 3);
        const age = body.lag[kind]!.oldestSeconds!;
        assert.ok(age >= 45 && age < 50, `${kind}: oldest ${age} s`);
      }
      assert.deepEqual(Object.keys(body.lag).sort(), ['journeySteps', 'journeyTriggers', 'kpiFacts', 'loyalty', 'messages', 'referrals', 'segment', 'stage']);
      assert.deepEqual(body.lag.messages, { waiting: 0, oldestSeconds: null });

      const refused = await http(`${server.url}/api/work`, { auth: basic(ws.writeKey) });
      assert.equal(refused.status, 401);
    });
  });
}
