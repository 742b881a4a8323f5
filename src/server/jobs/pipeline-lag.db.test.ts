import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { writeTimeline } from '../timeline/timeline-writer.js';
import { EV } from '../../contracts/events.js';
import { claimWork, failWork } from './derived-work.repo.js';
import { pipelineLag, type LoopLag } from './pipeline-lag.js';

let seq = 0;
function track(userId: string, event: string): NormalizedEvent {
  const now = new Date();
  const r = normalizeCall({ messageId: `lag-${seq++}`, userId, event, timestamp: now.toISOString() }, 'track', { receivedAt: now, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

/** An age read a moment after it was set `seconds` ago: between that and a few seconds more. */
function agedAbout(l: LoopLag, waiting: number, seconds: number): void {
  assert.equal(l.waiting, waiting);
  assert.ok(l.oldestSeconds !== null && l.oldestSeconds >= seconds && l.oldestSeconds < seconds + 5, `oldest ${l.oldestSeconds}, expected about ${seconds}`);
}

const caughtUp: LoopLag = { waiting: 0, oldestSeconds: null };
const neverRan: LoopLag = { waiting: null, oldestSeconds: null };

for (const target of dbTargets()) {
  describe(`background lag (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('counts what waits for each loop in this workspace and how long the oldest has waited', async () => {
      const ws = (await makeWorkspace(db, 'lag-a')).workspace.id;
      const other = (await makeWorkspace(db, 'lag-b')).workspace.id;

      // Nothing stored: the work queues are empty, the event readers have never run.
      assert.deepEqual(await pipelineLag(db, ws), {
        stage: caughtUp,
        segment: caughtUp,
        journeyTriggers: neverRan,
        kpiFacts: neverRan,
        loyalty: neverRan,
        referrals: neverRan,
        journeySteps: caughtUp,
        messages: caughtUp,
      });

      // ann's event, then a timeline event of Tenure's own dated a day back, then ben's and cy's.
      await ingestEvents(db, ws, [track('ann', 'Signed Up')], { derivedWork: true });
      const { rows: firstEvent } = await db.query<{ id: number; customer_id: number }>(`SELECT id, customer_id FROM events WHERE workspace_id = $1`, [ws]);
      const ann = firstEvent[0]!;
      await writeTimeline(db, [
        {
          workspaceId: ws,
          customerId: ann.customer_id,
          event: EV.journeyEnded,
          properties: { journeyId: 'j1', journeyName: 'Welcome', outcome: 'completed' },
          at: new Date(Date.now() - 86_400_000),
          key: { kind: 'journey', run: 1, what: 'ended' },
        },
      ]);
      await ingestEvents(db, ws, [track('ben', 'Signed Up'), track('cy', 'Signed Up')], { derivedWork: true });
      // Another workspace's event: never counted here.
      await ingestEvents(db, other, [track('zed', 'Signed Up')], { derivedWork: true });
      await db.query(`UPDATE events SET received_at = now() - interval '40 seconds' WHERE workspace_id = $1 AND type <> 'tenure'`, [ws]);

      // The work rows as recorded 60 s (ann's stage row), 90 s (ben and cy's) and 30 s (segments) ago.
      await db.query(
        `UPDATE derived_work SET created_at = now() - CASE WHEN $2 = ANY(subject_ids) THEN interval '60 seconds' ELSE interval '90 seconds' END WHERE workspace_id = $1 AND kind = 'stage'`,
        [ws, ann.customer_id],
      );
      await db.query(`UPDATE derived_work SET created_at = now() - interval '30 seconds' WHERE workspace_id = $1 AND kind = 'segment'`, [ws]);
      // The readers: the KPI facts have read ann's event, the journey scanner nothing of this workspace's.
      await db.query(`INSERT INTO analytics_cursor (id, high_water) VALUES (1, $1)`, [ann.id]);
      await db.query(`INSERT INTO journey_cursor (id, high_water) VALUES (1, 0)`);

      let lag = await pipelineLag(db, ws);
      agedAbout(lag.stage, 3, 90);
      agedAbout(lag.segment, 3, 30);
      // Past the KPI cursor: the timeline event and ben's and cy's events; the age is that of
      // ben's (40 s), not the timeline event's moment a day back.
      agedAbout(lag.kpiFacts, 3, 40);
      agedAbout(lag.journeyTriggers, 4, 40);
      assert.deepEqual(lag.loyalty, neverRan);

      // A failed claim splits ben and cy's row in two; both halves keep its age (else the oldest would be ann's, 60 s).
      const claimed = await db.transaction((tx) => claimWork(tx, 'stage', 500, { skipLocked: false }));
      const pair = claimed.filter((r) => r.workspaceId === ws && r.subjectIds.length === 2);
      assert.equal(pair.length, 1);
      await failWork(db, pair, 'boom');
      const { rows: split } = await db.query<{ n: number }>(`SELECT cardinality(subject_ids) AS n FROM derived_work WHERE workspace_id = $1 AND kind = 'stage'`, [ws]);
      assert.deepEqual(
        split.map((r) => r.n),
        [1, 1, 1],
      );
      agedAbout((await pipelineLag(db, ws)).stage, 3, 90);

      // Journey runs: one with a step due 2 minutes ago, one waiting for tomorrow, one ended; a message due 10 s ago and one sent.
      const run = (journey: string, status: string, wake: string) =>
        db.query(
          `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, status, step, state, entry_key, entered_at, wake_at)
           VALUES ($1, $3, 1, $2, $4, 's', '{}', 'e1', now(), now() + $5::interval)`,
          [ws, ann.customer_id, journey, status, wake],
        );
      await run('j1', 'waiting', '-2 minutes');
      await run('j2', 'waiting', '1 day');
      await run('j3', 'completed', '-1 hour');
      const message = (key: string, status: string, created: string) =>
        db.query(`INSERT INTO messages (workspace_id, customer_id, channel, idempotency_key, status, created_at) VALUES ($1, $2, 'email', $3, $4, now() + $5::interval)`, [
          ws,
          ann.customer_id,
          key,
          status,
          created,
        ]);
      await message('m1', 'queued', '-10 seconds');
      await message('m2', 'sent', '-1 hour');
      lag = await pipelineLag(db, ws);
      agedAbout(lag.journeySteps, 1, 120);
      agedAbout(lag.messages, 1, 10);
      // The other workspace sees none of it but its own work.
      const theirs = await pipelineLag(db, other);
      assert.equal(theirs.stage.waiting, 1);
      assert.equal(theirs.kpiFacts.waiting, 1);
      assert.deepEqual(theirs.journeySteps, caughtUp);
    });
  });
}
