import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets } from '../../test-support/harness.js';
import { advanceCursor, nextIdsClause, splitGaps, type CursorState } from './event-cursor.js';

const GIVE_UP = 60_000;

describe('event cursor gaps', () => {
  it('keeps hundreds of one-id gaps (interleaved writers) until their ids appear or are given up', () => {
    // Ids 2, 4 … 600 committed; the odd ones still open in another writer's transaction.
    const evens = Array.from({ length: 300 }, (_, i) => 2 * (i + 1));
    const s1 = advanceCursor({ highWater: 0, gaps: [] }, evens, 1_000, GIVE_UP);
    assert.equal(s1.highWater, 600);
    assert.equal(s1.gaps.length, 300, 'every gap is kept (a cap of 200 dropped the oldest 100)');
    assert.deepEqual(s1.gaps[0], { from: 1, to: 1, since: 1_000 });
    // The writer commits half of them; the rest stay gaps, with their first-seen time.
    const s2 = advanceCursor(
      s1,
      Array.from({ length: 150 }, (_, i) => 2 * i + 1),
      2_000,
      GIVE_UP,
    );
    assert.equal(s2.gaps.length, 150);
    assert.ok(s2.gaps.every((g) => g.since === 1_000 && g.from === g.to && g.from > 300));
    // A minute after they were first seen, they are given up (rolled back).
    assert.deepEqual(advanceCursor(s2, [], 1_000 + GIVE_UP, GIVE_UP).gaps, []);
  });

  it('looks up gaps of more than one id as ranges (the 100 largest), one-id gaps as ids', () => {
    // 300 one-id gaps (interleaved writers), 150 of 10 ids, one of 600 (a batch still open).
    const gaps = [
      ...Array.from({ length: 300 }, (_, i) => ({ from: 2 * i + 1, to: 2 * i + 1, since: 0 })),
      ...Array.from({ length: 150 }, (_, i) => ({ from: 1_000 + 20 * i, to: 1_009 + 20 * i, since: 0 })),
      { from: 10_000, to: 10_599, since: 0 },
    ];
    const { ids, ranges } = splitGaps(gaps);
    assert.equal(ranges.length, 100);
    assert.ok(
      ranges.some((r) => r.from === 10_000 && r.to === 10_599),
      'the 600-id gap is one range, not 600 probes',
    );
    assert.equal(ids.length, 300 + 51 * 10, 'the one-id gaps, and the 51 ten-id gaps past the 100 largest');
    const where = nextIdsClause({ highWater: 20_000, gaps }, 1);
    assert.equal((where.sql.match(/BETWEEN/g) ?? []).length, 100);
  });

  it('a read cut off by its LIMIT keeps an old gap that reaches past it: the rest of its rows are read next pass', () => {
    // A gap of ids 1–5,000, first seen long ago; a large write fills it at last, and the
    // next read (LIMIT 2,000) gets ids 1–2,000 of it.
    const s0: CursorState = { highWater: 5_001, gaps: [{ from: 1, to: 5_000, since: 0 }] };
    const first = Array.from({ length: 2_000 }, (_, i) => i + 1);
    const s1 = advanceCursor(s0, first, 2 * GIVE_UP, GIVE_UP, 2_000);
    assert.deepEqual(s1.gaps, [{ from: 2_001, to: 5_000, since: 0 }], 'kept though older than the give-up');
    // Read whole (fewer than the LIMIT): what was not there now is given up.
    const s2 = advanceCursor(s1, [2_001, 2_002], 2 * GIVE_UP, GIVE_UP, 2_000);
    assert.deepEqual(s2.gaps, []);
    // Without the LIMIT given, the old gap went after the first read (ids 2,001–5,000 never read).
    assert.deepEqual(advanceCursor(s0, first, 2 * GIVE_UP, GIVE_UP).gaps, []);
  });

  it('drops the oldest gaps only past what it can keep: 20,000 ids outside its 100 largest gaps', () => {
    // 100 large gaps (kept as ranges) and 20,000 one-id gaps fit; one more id does not.
    const ids: number[] = [];
    let id = 0;
    for (let i = 0; i < 100; i++) {
      id += 1_000; // a gap of 999 ids
      ids.push(id);
    }
    for (let i = 0; i < 20_001; i++) {
      id += 2;
      ids.push(id);
    }
    const s = advanceCursor({ highWater: 0, gaps: [] }, ids, 5, GIVE_UP);
    assert.equal(s.gaps.length, 100 + 20_001 - 1, 'only the oldest gap went');
    assert.deepEqual(s.gaps[0], { from: 1_001, to: 1_999, since: 5 });
  });
});

for (const target of dbTargets()) {
  describe(`event cursor reads (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
      await db.query(`CREATE TABLE cursor_rows (id bigint PRIMARY KEY)`);
    });
    after(() => db.close());

    const read = async (state: CursorState, limit = 100_000) => {
      const where = nextIdsClause(state, 2);
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM cursor_rows WHERE ${where.sql} ORDER BY id LIMIT $1`, [limit, ...where.args]);
      return rows.map((r) => Number(r.id));
    };

    it('reads the ids of a thousand one-id gaps and of a large gap once they appear, and nothing read before', async () => {
      // Committed: the even ids up to 2,000, then 30,001 past a gap of 25,000 ids (a large write still open).
      await db.query(`INSERT INTO cursor_rows SELECT 2 * g FROM generate_series(1, 1000) g`);
      await db.query(`INSERT INTO cursor_rows VALUES (27001)`);
      const first = await read({ highWater: 0, gaps: [] });
      assert.equal(first.length, 1_001);
      const s1 = advanceCursor({ highWater: 0, gaps: [] }, first, 1_000, GIVE_UP);
      assert.equal(s1.gaps.length, 1_001);
      assert.equal(s1.highWater, 27_001);

      // Nothing new: the next pass reads nothing.
      assert.deepEqual(await read(s1), []);
      // The other writers commit: the odd ids, and the large write.
      await db.query(`INSERT INTO cursor_rows SELECT 2 * g - 1 FROM generate_series(1, 1000) g`);
      await db.query(`INSERT INTO cursor_rows SELECT g FROM generate_series(2001, 27000) g`);
      await db.query(`INSERT INTO cursor_rows VALUES (27002)`);
      const second = await read(s1);
      assert.equal(second.length, 1_000 + 25_000 + 1, 'every id of the gaps, and the one new id');
      assert.deepEqual(second.slice(0, 3), [1, 3, 5]);
      assert.equal(new Set(second).size, second.length);
      assert.ok(
        second.every((x) => x % 2 === 1 || x > 2_000),
        'no id read before comes again',
      );
      const s2 = advanceCursor(s1, second, 2_000, GIVE_UP);
      assert.deepEqual(s2, { highWater: 27_002, gaps: [] });
    });
  });
}
