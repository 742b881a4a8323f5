/**
 * RFM at scale: scoring every buyer (`computeRfm`) and moving the eleven RFM group
 * segments (`refreshRfmSegments`), on a database loaded by bench/stages-recompute.ts.
 *
 *   node --import tsx bench/stages-recompute.ts --keep-url postgres://postgres@127.0.0.1:5432/tenure_bench_stages   # once: 100k customers / 5M events
 *   node --import tsx bench/segments-rfm.ts [--url postgres://…/tenure_bench_stages] [--runs N]
 *
 * Each run: scores (one statement; the first run inserts every score, later runs rewrite
 * only changed ones) and then the eleven groups (full computation of each built-in
 * segment). The workspace's RFM scores and group segments are removed first, so run 1 is
 * a first scoring; the database is otherwise left as it was. Target: RFM for 100,000
 * customers in under 5 s (the scoring; the groups are reported beside it).
 */
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { computeRfm, RFM_GROUPS, refreshRfmSegments, rfmSegmentId } from '../src/server/segments/rfm.js';
import { machine } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/tenure_bench_stages' },
    runs: { type: 'string', default: '3' },
  },
});
const runs = Number(values.runs);
console.log(machine());
const db = await openDb({ databaseUrl: values.url!, poolSize: 4 });
try {
  await migrate(db);
  const { rows: w } = await db.query<{ workspace_id: number; customers: number }>(`SELECT workspace_id, count(*)::int AS customers FROM customers GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
  if (!w[0]) throw new Error(`${values.url}: no customers; load it with bench/stages-recompute.ts --keep-url first`);
  const ws = w[0].workspace_id;
  const { rows: e } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]);
  console.log(`database: ${values.url}; workspace ${ws}: ${w[0].customers.toLocaleString('en-US')} customers, ${e[0]!.n.toLocaleString('en-US')} events`);
  const ids = RFM_GROUPS.map((g) => rfmSegmentId(g.key));
  await db.query(`DELETE FROM customer_scores WHERE workspace_id = $1 AND name IN ('rfm_r', 'rfm_f', 'rfm_m')`, [ws]);
  await db.query(`DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = ANY($2::text[])`, [ws, ids]);
  await db.query(`DELETE FROM segment_history WHERE workspace_id = $1 AND segment_id = ANY($2::text[])`, [ws, ids]);
  await db.query(`DELETE FROM events WHERE workspace_id = $1 AND type = 'tenure' AND message_id LIKE 'tenure:segment:rfm\\_%'`, [ws]);
  await db.query(`DELETE FROM segments WHERE workspace_id = $1 AND id = ANY($2::text[])`, [ws, ids]);
  await db.query('ANALYZE customer_scores; ANALYZE segment_members');
  for (let i = 1; i <= runs; i++) {
    const now = new Date();
    const t0 = performance.now();
    const run = await db.transaction((tx) => computeRfm(tx, ws, now));
    const scoreS = (performance.now() - t0) / 1000;
    if (i === 1) await db.query('ANALYZE customer_scores');
    const t1 = performance.now();
    await refreshRfmSegments(db, ws, now);
    const groupsS = (performance.now() - t1) / 1000;
    const { rows: g } = await db.query<{ segment_id: string; n: number }>(
      `SELECT segment_id, count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = ANY($2::text[]) GROUP BY 1 ORDER BY 2 DESC`,
      [ws, ids],
    );
    console.log(
      `run ${i}: scored ${run.buyers.toLocaleString('en-US')} buyers in ${scoreS.toFixed(2)} s; 11 groups moved in ${groupsS.toFixed(2)} s; total ${(scoreS + groupsS).toFixed(2)} s` +
        (i === 1 ? `\n  groups: ${g.map((x) => `${x.segment_id.slice(4)} ${x.n}`).join(', ')}` : ''),
    );
  }
} finally {
  await db.close();
}
