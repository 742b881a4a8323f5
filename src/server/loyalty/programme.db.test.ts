import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ProgrammeSettingsSchema } from '../../contracts/loyalty.js';
import { getProgramme, programmeVersion, saveProgramme } from './programme.repo.js';

const S = (over: Record<string, unknown>) => ProgrammeSettingsSchema.parse(over);
const rule = { id: 'r', name: 'R', kind: 'order', pointsPerUnit: 1 };
const tiers = (list: Array<{ key: string; entry: number; retain: number }>) => ({ measure: 'points', term: 'calendar_year', tiers: list.map((t) => ({ ...t, name: t.key })) });

for (const target of dbTargets()) {
  describe(`loyalty programme settings: checked, versioned (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'programme')).workspace.id;
    });
    after(() => db.close());

    it('refuses settings zod cannot judge, naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ earnRules: [rule, { ...rule, name: 'again' }] }, 'settings.earnRules.1.id'],
        [{ earnRules: [{ id: 'o', name: 'O', kind: 'order' }] }, 'settings.earnRules.0.pointsPerUnit'],
        [{ earnRules: [{ id: 'e', name: 'E', kind: 'event', points: 5 }] }, 'settings.earnRules.0.event'],
        [{ earnRules: [{ id: 'e', name: 'E', kind: 'event', event: { name: 'Signed Up' } }] }, 'settings.earnRules.0.points'],
        [{ earnRules: [{ id: 'b', name: 'B', kind: 'birthday' }] }, 'settings.earnRules.0.points'],
        [{ earnRules: [{ ...rule, startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-01T00:00:00Z' }] }, 'settings.earnRules.0.endsAt'],
        [{ tiers: tiers([{ key: 'a', entry: 10, retain: 0 }]) }, 'settings.tiers.tiers.0.entry'],
        [
          {
            tiers: tiers([
              { key: 'a', entry: 0, retain: 0 },
              { key: 'b', entry: 500, retain: 400 },
              { key: 'c', entry: 500, retain: 400 },
            ]),
          },
          'settings.tiers.tiers.2.entry',
        ],
        [
          {
            tiers: tiers([
              { key: 'a', entry: 0, retain: 0 },
              { key: 'b', entry: 500, retain: 600 },
            ]),
          },
          'settings.tiers.tiers.1.retain',
        ],
      ];
      for (const [settings, field] of cases) {
        const r = await saveProgramme(db, ws, { settings: S(settings) });
        assert.ok(!r.ok, field);
        assert.equal(r.code, 'validation_failed');
        assert.equal(r.field, field);
        assert.match(r.message, new RegExp(`^${field.replace(/\./g, '\\.')}: `));
      }
      assert.equal(await getProgramme(db, ws), null, 'nothing saved');
    });

    it('each save is a new version, kept; liveSince is set the first time it goes live and stays', async () => {
      const t1 = new Date('2026-01-01T00:00:00Z');
      const first = await saveProgramme(db, ws, { settings: S({ earnRules: [rule] }) }, t1);
      assert.ok(first.ok);
      assert.deepEqual([first.value.status, first.value.version, first.value.liveSince], ['draft', 1, null]);
      const t2 = new Date('2026-02-01T00:00:00Z');
      const live = await saveProgramme(db, ws, { status: 'live', settings: S({ earnRules: [{ ...rule, pointsPerUnit: 2 }] }) }, t2);
      assert.ok(live.ok);
      assert.deepEqual([live.value.status, live.value.version, live.value.liveSince?.toISOString()], ['live', 2, t2.toISOString()]);
      // Paused and live again: liveSince is still the first time; status kept when not given.
      assert.ok((await saveProgramme(db, ws, { status: 'paused', settings: S({}) }, new Date('2026-03-01T00:00:00Z'))).ok);
      const again = await saveProgramme(db, ws, { status: 'live', settings: S({ earnRules: [rule] }) }, new Date('2026-04-01T00:00:00Z'));
      assert.ok(again.ok);
      const kept = await saveProgramme(db, ws, { settings: S({ earnRules: [rule], pointsName: 'stars' }) }, new Date('2026-05-01T00:00:00Z'));
      assert.ok(kept.ok);
      assert.deepEqual([kept.value.status, kept.value.version, kept.value.liveSince?.toISOString()], ['live', 5, t2.toISOString()]);
      const p = await getProgramme(db, ws);
      assert.equal(p!.settings.pointsName, 'stars');
      assert.equal((await programmeVersion(db, ws, 2))!.earnRules[0]!.pointsPerUnit, 2);
      assert.equal((await programmeVersion(db, ws, 1))!.earnRules[0]!.pointsPerUnit, 1);
      assert.equal(Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM loyalty_programme_versions WHERE workspace_id = $1`, [ws])).rows[0]!.n), 5);
    });
  });
}
