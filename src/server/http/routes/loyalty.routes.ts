import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { AdjustInput, EntryResultView, LedgerPage, MemberView, ProgrammeInput, ProgrammeSettingsSchema, ProgrammeView, TransferInput } from '../../../contracts/loyalty.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { enrol } from '../../loyalty/enrolment.js';
import * as ledger from '../../loyalty/ledger.js';
import { listMembers, memberView } from '../../loyalty/member.read.js';
import { getProgramme, saveProgramme, type Programme } from '../../loyalty/programme.repo.js';
import { checkUpgrade } from '../../loyalty/tiers.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['loyalty'];
const IdParams = z.object({ id: z.string().min(1).max(512) });

export const MemberSummaryView = z.object({
  customerId: z.number().int(),
  userId: z.string().nullable(),
  status: z.enum(['member', 'holdout']),
  tier: z.string().nullable(),
  joinedAt: z.string(),
  available: z.number().int(),
  pending: z.number().int(),
});
export const MemberList = z.object({ members: z.array(MemberSummaryView), nextCursor: z.string().nullable() });
const MemberListQuery = z.object({
  tier: z.string().min(1).max(64).optional(),
  q: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]+$/, 'a nextCursor from the previous page')
    .optional(),
});

export interface LoyaltyRouteDeps {
  db: Db;
  keys: KeyResolver;
  bus: ChangeBus;
}

function present(p: Programme): ProgrammeView {
  return { status: p.status, version: p.version, settings: p.settings, updatedAt: p.updatedAt.toISOString() };
}

/** A ledger failure as HTTP: a short balance is a conflict with the state (409). */
function ledgerError(f: ledger.LedgerFailure): HttpError {
  if (f.code === 'insufficient_points') return new HttpError('conflict', f.message, { field: 'points' });
  return httpErrorOf(f);
}

/** Admin API over the loyalty programme: its settings, members, their ledgers, adjustments and transfers. */
export function loyaltyRoutes(app: FastifyInstance, deps: LoyaltyRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const customer = async (ws: number, id: string, field?: string): Promise<number> => {
    const c = await findCustomerId(deps.db, ws, id);
    if (c === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${id}"`, field ? { field } : {});
    return c;
  };

  r.get('/api/loyalty/programme', {
    schema: { tags, summary: 'The programme (a draft with default settings and version 0 before the first save)', security, response: { 200: ProgrammeView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const p = await getProgramme(deps.db, ws.id);
      return p ? present(p) : { status: 'draft' as const, version: 0, settings: ProgrammeSettingsSchema.parse({}), updatedAt: new Date(0).toISOString() };
    },
  });

  r.put('/api/loyalty/programme', {
    schema: {
      tags,
      summary: 'Save the programme: a new version; `status` live starts earning on events received from now on',
      security,
      body: ProgrammeInput,
      response: { 200: ProgrammeView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const saved = await saveProgramme(deps.db, ws.id, req.body, new Date());
      if (!saved.ok) throw httpErrorOf(saved);
      return present(saved.value);
    },
  });

  r.get('/api/loyalty/members', {
    schema: { tags, summary: 'Members and the holdout, newest first; filter by tier or search userId and email', security, querystring: MemberListQuery, response: { 200: MemberList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { tier, q, limit, cursor } = req.query;
      return listMembers(deps.db, ws.id, { tier, q, limit, cursor: cursor ? Number(cursor) : undefined });
    },
  });

  r.get('/api/loyalty/members/:id', {
    schema: { tags, summary: "A customer's place in the programme: balances, tier and progress, points expiring soon, lots", security, params: IdParams, response: { 200: MemberView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const p = await getProgramme(deps.db, ws.id);
      return memberView(deps.db, ws.id, c, p?.settings ?? null, new Date());
    },
  });

  r.get('/api/loyalty/members/:id/ledger', {
    schema: {
      tags,
      summary: "The member's ledger entries, newest first, 50 a page",
      security,
      params: IdParams,
      querystring: z.object({ before: z.coerce.number().int().positive().optional() }),
      response: { 200: LedgerPage, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      return ledger.ledgerPage(deps.db, ws.id, c, { before: req.query.before, limit: 50 });
    },
  });

  r.post('/api/loyalty/members/:id/adjust', {
    schema: {
      tags,
      summary: 'Add or take points (an admin correction, with the reason); idempotent by `key`',
      security,
      params: IdParams,
      body: AdjustInput,
      response: { 200: EntryResultView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const { points, reason, key } = req.body;
      const res = await deps.db.transaction((tx) => ledger.adjust(tx, { workspaceId: ws.id, customerId: c, at: new Date(), key, points, reason, actor: 'admin' }));
      if (!res.ok) throw ledgerError(res);
      if (!res.value.replayed) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [c] });
      return res.value;
    },
  });

  r.post('/api/loyalty/members/:id/enrol', {
    schema: {
      tags,
      summary: 'Enrol a customer (opt-in programmes, or before their first event); the holdout share applies here too',
      security,
      params: IdParams,
      response: { 200: MemberView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const p = await getProgramme(deps.db, ws.id);
      if (!p) throw new HttpError('conflict', 'the workspace has no loyalty programme yet: save one first (PUT /api/loyalty/programme)');
      const now = new Date();
      const joined = await deps.db.transaction(async (tx) => {
        const made = await enrol(tx, ws.id, p.settings, [{ customerId: c, at: now }], 'admin');
        if (made.get(c) === 'member') await checkUpgrade(tx, ws.id, c, p.settings, now); // the tier their measure reaches (at least the lowest)
        return made;
      });
      if (joined.size > 0) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [c] });
      return memberView(deps.db, ws.id, c, p.settings, now);
    },
  });

  r.post('/api/loyalty/transfers', {
    schema: {
      tags,
      summary: 'Move available points from one member to another (lots keep their expiry); idempotent by `key`',
      security,
      body: TransferInput,
      response: { 200: EntryResultView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const from = await customer(ws.id, req.body.from, 'from');
      const to = await customer(ws.id, req.body.to, 'to');
      if (from === to) throw new HttpError('validation_failed', 'from and to are the same customer', { field: 'to' });
      const { points, key, reason } = req.body;
      const res = await deps.db.transaction((tx) =>
        ledger.transfer(tx, { workspaceId: ws.id, fromCustomerId: from, toCustomerId: to, at: new Date(), key, points, actor: 'admin', reason: reason ?? null }),
      );
      if (!res.ok) throw ledgerError(res);
      if (!res.value.replayed) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [from, to] });
      return res.value;
    },
  });
}
