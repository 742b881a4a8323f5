/**
 * The trigger scanner sees a journey published by another process at its next pass: the
 * list of live journeys is cached, and only the publishing process's own cache is told.
 * Events read against a list older than the publication were passed over for good.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JourneyDefinitionSchema } from '../../contracts/journey.js';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { JourneyDefinitions } from './definitions.js';
import { getJourney, insertJourney, lockTriggerScanner, publishJourney } from './journeys.repo.js';
import { scanEvents } from './trigger-scanner.js';

let seq = 0;
const track = (userId: string, event: string) => {
  const r = normalizeCall({ messageId: `ts-${process.pid}-${seq++}`, userId, event }, 'track', { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

for (const target of dbTargets()) {
  describe(`trigger scanner and publications (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db?.close());

    it('a journey published elsewhere enters the next event, though this process cached the list before', async () => {
      const ws = (await makeWorkspace(db, 'ts-publish')).workspace.id;
      // A cache that would hold its list for a minute: only the check against the journeys table can show the publication.
      const defs = new JourneyDefinitions(60_000);
      await ingestEvents(db, ws, [track('early', 'Joined')]);
      assert.equal((await scanEvents(db, defs, { now: new Date() }))?.entered, 0, 'nothing is live yet');

      // Another process publishes (this cache is not told).
      const definition = JourneyDefinitionSchema.parse({ trigger: { event: { name: 'Joined' } }, start: 'done', steps: [{ id: 'done', type: 'exit' }] });
      await insertJourney(db, ws, 'joined', { name: 'joined', description: '', definition });
      await db.transaction(async (tx) => {
        await lockTriggerScanner(tx);
        await publishJourney(tx, (await getJourney(tx, ws, 'joined'))!, new Date());
      });
      await new Promise((r) => setTimeout(r, 5)); // received after the publication
      await ingestEvents(db, ws, [track('late', 'Joined')]);
      const r = await scanEvents(db, defs, { now: new Date() });
      assert.equal(r?.entered, 1);
      const { rows } = await db.query<{ user_id: string }>(`SELECT c.user_id FROM journey_runs r JOIN customers c ON c.id = r.customer_id WHERE r.workspace_id = $1 AND r.journey_id = 'joined'`, [ws]);
      assert.deepEqual(
        rows.map((x) => x.user_id),
        ['late'],
        'the event received after the publication entered; the one before did not',
      );
    });

    // PGlite: one session, nothing runs beside a transaction.
    it('a publication waits for a pass in hand, and a pass skips while a publication holds the cursor', { skip: target.name !== 'postgres' }, async () => {
      const defs = new JourneyDefinitions();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const isHeld = new Promise<void>((r) => (holding = r));
      const publication = db.transaction(async (tx) => {
        await lockTriggerScanner(tx);
        holding();
        await held;
      });
      await isHeld;
      assert.equal(await scanEvents(db, defs, { now: new Date() }), null, 'the pass skips');
      release();
      await publication;
      assert.notEqual(await scanEvents(db, defs, { now: new Date() }), null);
    });
  });
}
