import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { MAX_SPEND_ROWS, SpendDeleted, SpendInput, SpendList, SpendQuery, SpendSaved } from '../../../contracts/spend.js';
import { deleteSpend, listSpend, spendTotals, upsertSpend } from '../../analytics/spend.repo.js';
import type { Db } from '../../db/client.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['spend'];
/** GET and DELETE act on a range of days given in the query string. */
const ranged = { tags, security, querystring: SpendQuery };

/** Admin API over marketing spend (the denominator of CAC): upsert rows, list and total a range, delete a range. */
export function spendRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/spend', {
    schema: {
      tags,
      summary: 'Store marketing spend per day, channel and campaign; a row already stored is replaced',
      description: `Up to ${MAX_SPEND_ROWS.toLocaleString('en-US')} rows (and 500 KB) per request, all stored or none: an invalid row is refused with 400 naming it, e.g. \`rows.3.amount\`. For a CSV file use \`tenure import spend FILE.csv\`.`,
      security,
      body: SpendInput,
      response: { 200: SpendSaved, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return deps.db.transaction((tx) => upsertSpend(tx, ws.id, req.body.rows));
    },
  });

  r.get('/api/spend', {
    schema: { ...ranged, summary: 'Spend rows in [from, to), with totals per channel and currency', response: { 200: SpendList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const [rows, totals] = await Promise.all([listSpend(deps.db, ws.id, req.query), spendTotals(deps.db, ws.id, req.query)]);
      return { from: req.query.from, to: req.query.to, rows, totals };
    },
  });

  r.delete('/api/spend', {
    schema: { ...ranged, summary: 'Delete the spend rows in [from, to), of one channel when `channel` is given', response: { 200: SpendDeleted, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { deleted: await deleteSpend(deps.db, ws.id, req.query) };
    },
  });
}
