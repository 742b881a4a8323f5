/**
 * Support measures of a customer or an account, from their helpdesk tickets
 * (support_tickets) opened in a window ending at `now`:
 *
 * | metric | value |
 * |---|---|
 * | `first_response_hours` | mean hours from a ticket's opening to the first agent reply (tickets answered by `now`) |
 * | `resolution_hours` | mean hours from opening to the (last) solve (tickets solved by `now`) |
 * | `reopen_rate` | tickets reopened at least once ÷ tickets ever solved (0–1) |
 * | `csat` | mean of the ratings given in the window, each normalised to 0–1 |
 * | `tickets` | tickets opened in the window |
 *
 * NULL (no data) when no ticket counts. A customer's measures read the tickets matched to
 * them; an account's the tickets matched to it (directly or through a member). Health scores
 * read them as the `support` measure (predict/health/health-sql.ts), the churn model as
 * features (predict/churn/features-history.ts).
 */
import type { Queryable } from '../db/client.js';

export const SUPPORT_METRICS = ['first_response_hours', 'resolution_hours', 'reopen_rate', 'csat', 'tickets'] as const;
export type SupportMetric = (typeof SUPPORT_METRICS)[number];

/**
 * SQL: one metric as float8 over the tickets `t` that `where` selects (an SQL condition on
 * `t`), in the window (`since`, `now`] (SQL timestamptz expressions).
 */
export function supportMetricSql(metric: SupportMetric, where: string, since: string, now: string): string {
  const opened = `t.created_at > ${since} AND t.created_at <= ${now}`;
  const from = `FROM support_tickets t WHERE ${where}`;
  switch (metric) {
    case 'first_response_hours':
      return `(SELECT avg(extract(epoch FROM (t.first_response_at - t.created_at)) / 3600)::float8 ${from} AND ${opened} AND t.first_response_at <= ${now})`;
    case 'resolution_hours':
      return `(SELECT avg(extract(epoch FROM (t.solved_at - t.created_at)) / 3600)::float8 ${from} AND ${opened} AND t.solved_at <= ${now})`;
    case 'reopen_rate':
      return `(SELECT (count(*) FILTER (WHERE t.reopens > 0))::float8 / NULLIF(count(*) FILTER (WHERE t.solves > 0), 0) ${from} AND ${opened})`;
    case 'csat':
      return `(SELECT avg(t.rating)::float8 ${from} AND t.rating IS NOT NULL AND t.rated_at > ${since} AND t.rated_at <= ${now})`;
    case 'tickets':
      return `(SELECT count(*)::float8 ${from} AND ${opened})`;
  }
}

/** The tickets of a customer (`customerExpr`: SQL of its id) or of an account. */
export const ticketsOf = (scope: 'customer' | 'account', idExpr: string) =>
  scope === 'customer' ? `t.customer_id = ${idExpr}` : `(t.account_id = ${idExpr} OR t.customer_id IN (SELECT am.customer_id FROM account_members am WHERE am.account_id = ${idExpr}))`;

export type SupportMeasures = Record<SupportMetric, number | null>;

/** The support measures of one customer or account over the `withinDays` before `now`. */
export async function supportMeasures(db: Queryable, scope: 'customer' | 'account', id: number, now: Date, withinDays = 90): Promise<SupportMeasures> {
  const where = ticketsOf(scope, '$1::bigint');
  const cols = SUPPORT_METRICS.map((m) => `${supportMetricSql(m, where, '$2::timestamptz', '$3::timestamptz')} AS ${m}`).join(', ');
  const { rows } = await db.query<SupportMeasures>(`SELECT ${cols}`, [id, new Date(now.getTime() - withinDays * 86_400_000).toISOString(), now.toISOString()]);
  const r = rows[0]!;
  return Object.fromEntries(SUPPORT_METRICS.map((m) => [m, r[m] === null ? null : Number(r[m])])) as SupportMeasures;
}

/** Per customer, the support measures over the `withinDays` before `at` (churn features). */
export async function supportMeasuresOf(db: Queryable, workspaceId: number, customerIds: number[], at: Date, withinDays = 90): Promise<Map<number, SupportMeasures>> {
  const cols = SUPPORT_METRICS.map((m) => `${supportMetricSql(m, `t.workspace_id = $1 AND t.customer_id = c.id`, '$3::timestamptz', '$4::timestamptz')} AS ${m}`).join(', ');
  const { rows } = await db.query<SupportMeasures & { id: number }>(
    `SELECT c.id::float8 AS id, ${cols} FROM unnest($2::bigint[]) AS c(id)
      WHERE EXISTS (SELECT 1 FROM support_tickets x WHERE x.workspace_id = $1 AND x.customer_id = c.id)`,
    [workspaceId, customerIds, new Date(at.getTime() - withinDays * 86_400_000).toISOString(), at.toISOString()],
  );
  return new Map(rows.map((r) => [Number(r.id), Object.fromEntries(SUPPORT_METRICS.map((m) => [m, r[m] === null ? null : Number(r[m])])) as SupportMeasures]));
}
