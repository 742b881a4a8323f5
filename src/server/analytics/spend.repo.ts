import { spendKey, type SpendRow, type SpendSaved, type SpendTotal, type SpendView } from '../../contracts/spend.js';
import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Rows per INSERT statement. */
export const SPEND_CHUNK = 1_000;

/** A half-open range of calendar days, [from, to), optionally one channel. */
export interface SpendRange {
  from: string;
  to: string;
  channel?: string;
}

/**
 * Store spend rows: a new (day, channel, campaign) is inserted, a stored one gets the
 * row's amount and currency. One statement per `chunk` rows; pass a transaction to make
 * a call of several chunks all-or-nothing. Rows must have distinct keys (the contract and
 * the CSV import refuse duplicates, naming them); a duplicate here is a bug and throws.
 */
export async function upsertSpend(db: Queryable, workspaceId: number, rows: readonly SpendRow[], chunk = SPEND_CHUNK): Promise<SpendSaved> {
  const keys = new Set(rows.map(spendKey));
  if (keys.size !== rows.length) throw new Error(`upsertSpend: ${rows.length - keys.size} rows repeat the day, channel and campaign of another`);
  const saved: SpendSaved = { inserted: 0, updated: 0 };
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    // xmax is 0 on a freshly inserted row version and the updating transaction's id on an updated one.
    const { rows: out } = await db.query<{ inserted: boolean }>(
      `INSERT INTO marketing_spend (workspace_id, day, channel, campaign, amount, currency)
       SELECT $1, x.day, x.channel, x.campaign, x.amount, x.currency
         FROM unnest($2::date[], $3::text[], $4::text[], $5::numeric[], $6::text[]) AS x(day, channel, campaign, amount, currency)
       ON CONFLICT (workspace_id, day, channel, campaign) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency
       RETURNING (xmax = 0) AS inserted`,
      [workspaceId, part.map((r) => r.day), part.map((r) => r.channel), part.map((r) => r.campaign), part.map((r) => r.amount.toFixed(2)), part.map((r) => r.currency)],
    );
    const inserted = out.filter((r) => r.inserted).length;
    saved.inserted += inserted;
    saved.updated += out.length - inserted;
  }
  return saved;
}

const WHERE = `workspace_id = $1 AND day >= $2::date AND day < $3::date AND ($4::text IS NULL OR channel = $4)`;
const params = (workspaceId: number, r: SpendRange) => [workspaceId, r.from, r.to, r.channel ?? null];

/** Spend rows in [from, to), by day, channel and campaign. */
export async function listSpend(db: Queryable, workspaceId: number, range: SpendRange): Promise<SpendView[]> {
  const { rows } = await db.query<RowPick<typeof schema.marketingSpend, 'channel' | 'campaign' | 'amount' | 'currency'> & Pick<SpendView, 'day'>>(
    `SELECT day::text AS day, channel, campaign, amount, currency FROM marketing_spend WHERE ${WHERE} ORDER BY day, channel, campaign`,
    params(workspaceId, range),
  );
  return rows;
}

/** Spend per channel (and currency: amounts in different currencies are never added) over [from, to). */
export async function spendTotals(db: Queryable, workspaceId: number, range: SpendRange): Promise<SpendTotal[]> {
  const { rows } = await db.query<RowPick<typeof schema.marketingSpend, 'channel' | 'currency'> & Pick<SpendTotal, 'amount' | 'days'>>(
    `SELECT channel, currency, sum(amount) AS amount, count(DISTINCT day)::int AS days
       FROM marketing_spend WHERE ${WHERE} GROUP BY channel, currency ORDER BY channel, currency`,
    params(workspaceId, range),
  );
  return rows;
}

/** Delete the spend rows in [from, to) (of one channel, when given); returns how many. */
export async function deleteSpend(db: Queryable, workspaceId: number, range: SpendRange): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM marketing_spend WHERE ${WHERE}`, params(workspaceId, range));
  return rowCount;
}
