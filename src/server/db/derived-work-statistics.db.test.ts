import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`derived_work statistics (${target.name})`, () => {
    // The default target reads -1 (PostgreSQL 15) or null (17, PGlite).
    it('collects none on the subject lists and change maps (migration 0029): ANALYZE of the queue stays cheap', async () => {
      const db = await target.open();
      try {
        const { rows } = await db.query<{ attname: string; attstattarget: number }>(
          `SELECT attname, coalesce(attstattarget, -1) AS attstattarget FROM pg_attribute WHERE attrelid = 'derived_work'::regclass AND attname IN ('subject_ids', 'changes', 'kind') ORDER BY attname`,
        );
        assert.deepEqual(
          rows.map((r) => [r.attname, Number(r.attstattarget)]),
          [
            ['changes', 0],
            ['kind', -1],
            ['subject_ids', 0],
          ],
        );
      } finally {
        await db.close();
      }
    });
  });
}
