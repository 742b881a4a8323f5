import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import {
  CohortList,
  CohortQuery,
  CustomerSegments,
  ListEdit,
  ListEdited,
  StaticSegmentInput,
  RfmView,
  SegmentInput,
  SegmentList,
  SegmentMembers,
  SegmentMembersQuery,
  SegmentPreview,
  SegmentPreviewInput,
  SegmentSaved,
  SegmentView,
} from '../../../contracts/segment-definition.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import type { ModelCache } from '../../lifecycle/models.repo.js';
import {
  customerSegments,
  deleteSegment,
  getSegment,
  insertSegment,
  insertStaticSegment,
  listSegments,
  memberCounts,
  newSegmentId,
  segmentMembers,
  segmentView,
  updateSegment,
} from '../../segments/segments.repo.js';
import { checkReferences, membersCsv, previewSegment } from '../../segments/segments.service.js';
import { isRfmSegment, lastRfmRun, rfmDistribution } from '../../segments/rfm.js';
import { cohorts } from '../../segments/cohorts.js';
import { editStaticList, resolveCustomerIds } from '../../segments/static-lists.js';
import { segmentRefs } from '../../../contracts/segment-definition.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { jobView } from '../present.js';
import { JobView } from '../../../contracts/lifecycle.js';
import { SEGMENT_COMPUTE_JOB, RFM_JOB } from '../../jobs/job-kinds.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['segments'];
const IdParams = z.object({ id: z.string().min(1).max(100) });

function refuseBuiltIn(id: string): void {
  if (isRfmSegment(id)) throw new HttpError('conflict', `segment "${id}" is a built-in RFM group: its members follow the RFM scores and it cannot be edited or deleted`);
}

/** Admin API over saved segments: definitions, preview, members (now or as of a date), CSV export. */
export function segmentRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; models: ModelCache; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const view = async (ws: number, id: string) => {
    const seg = await getSegment(deps.db, ws, id);
    if (!seg) throw new HttpError('not_found', `no segment "${id}"`);
    return segmentView(seg, (await memberCounts(deps.db, ws, [id])).get(id) ?? 0);
  };

  const check = async (ws: number, selfId: string | null, input: { condition: Parameters<typeof checkReferences>[3]; scope: 'customer' | 'account' }) => {
    const { model } = await deps.models.get(deps.db, ws);
    const problem = await checkReferences(deps.db, ws, selfId, input.condition, model, input.scope);
    if (problem) throw new HttpError('validation_failed', `body.${problem.message}`, { field: problem.field });
  };

  r.get('/api/segments', {
    schema: { tags, summary: 'Every saved segment with its member count', security, response: { 200: SegmentList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const segs = await listSegments(deps.db, ws.id);
      const counts = await memberCounts(
        deps.db,
        ws.id,
        segs.map((s) => s.id),
      );
      return { segments: segs.map((s) => segmentView(s, counts.get(s.id) ?? 0)) };
    },
  });

  r.post('/api/segments', {
    schema: {
      tags,
      summary: 'Save a new segment; its membership is worked out as a job',
      description:
        'The body names the segment and gives its `condition` in the rule language. An invalid condition is refused with 400 naming the node at fault (e.g. `body.condition.all.1.performed.count.op`). The answer is 201 with the segment and the job computing its members (GET /api/jobs/{id}); from then on membership is kept current as events arrive and, for conditions on time, by a periodic sweep.',
      security,
      body: SegmentInput,
      response: { 201: SegmentSaved, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await check(ws.id, null, req.body);
      const id = newSegmentId();
      const { seg, job } = await deps.db.transaction(async (tx) => {
        const seg = await insertSegment(tx, ws.id, id, req.body);
        return { seg, job: await enqueueJob(tx, ws.id, SEGMENT_COMPUTE_JOB, { segmentId: id, version: seg.version }) };
      });
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: SEGMENT_COMPUTE_JOB });
      return reply.status(201).send({ segment: segmentView(seg, 0), job: jobView(job) });
    },
  });

  r.post('/api/segments/preview', {
    schema: {
      tags,
      summary: 'Count and sample the customers a condition matches now, without saving',
      security,
      body: SegmentPreviewInput,
      response: { 200: SegmentPreview, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await check(ws.id, null, req.body);
      return previewSegment(deps.db, ws.id, req.body.condition, req.body.sample, new Date(), req.body.scope);
    },
  });

  r.get('/api/segments/:id', {
    schema: { tags, summary: 'One segment', security, params: IdParams, response: { 200: SegmentView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return view(ws.id, req.params.id);
    },
  });

  r.put('/api/segments/:id', {
    schema: {
      tags,
      summary: "Replace a segment's definition; its membership is worked out again as a job",
      security,
      params: IdParams,
      body: SegmentInput,
      response: { 202: SegmentSaved, 409: ErrorBody, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await getSegment(deps.db, ws.id, req.params.id))) throw new HttpError('not_found', `no segment "${req.params.id}"`);
      refuseBuiltIn(req.params.id);
      const current = await getSegment(deps.db, ws.id, req.params.id);
      if (current && current.scope !== req.body.scope) {
        const users = (await listSegments(deps.db, ws.id)).filter((s) => s.condition && segmentRefs(s.condition).includes(req.params.id));
        if (users.length > 0) throw new HttpError('conflict', `segment "${req.params.id}" is used by ${users.map((s) => `"${s.name}" (${s.id})`).join(', ')}, so its scope cannot change`);
      }
      if (current?.kind === 'static') {
        throw new HttpError('conflict', `segment "${req.params.id}" is a static list: change its members with POST /api/segments/${req.params.id}/list`);
      }
      await check(ws.id, req.params.id, req.body);
      const saved = await deps.db.transaction(async (tx) => {
        const seg = await updateSegment(tx, ws.id, req.params.id, req.body);
        if (!seg) return null;
        return { seg, job: await enqueueJob(tx, ws.id, SEGMENT_COMPUTE_JOB, { segmentId: seg.id, version: seg.version }) };
      });
      if (!saved) throw new HttpError('not_found', `no segment "${req.params.id}"`);
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: SEGMENT_COMPUTE_JOB });
      const members = (await memberCounts(deps.db, ws.id, [saved.seg.id])).get(saved.seg.id) ?? 0;
      return reply.status(202).send({ segment: segmentView(saved.seg, members), job: jobView(saved.job) });
    },
  });

  r.delete('/api/segments/:id', {
    schema: { tags, summary: 'Delete a segment with its membership and history', security, params: IdParams, response: { 204: z.null(), 409: ErrorBody, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      refuseBuiltIn(req.params.id);
      const users = (await listSegments(deps.db, ws.id)).filter((s) => s.id !== req.params.id && s.condition && segmentRefs(s.condition).includes(req.params.id));
      if (users.length > 0) {
        throw new HttpError('conflict', `segment "${req.params.id}" is used by ${users.map((s) => `"${s.name}" (${s.id})`).join(', ')}; change those first`);
      }
      const gone = await deps.db.transaction((tx) => deleteSegment(tx, ws.id, req.params.id));
      if (!gone) throw new HttpError('not_found', `no segment "${req.params.id}"`);
      return reply.status(204).send(null);
    },
  });

  r.get('/api/segments/:id/members', {
    schema: {
      tags,
      summary: "A page of the segment's members (by customer id), now or as of a past moment",
      security,
      params: IdParams,
      querystring: SegmentMembersQuery,
      response: { 200: SegmentMembers, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const seg = await getSegment(deps.db, ws.id, req.params.id);
      if (!seg) throw new HttpError('not_found', `no segment "${req.params.id}"`);
      const { limit, cursor, at } = req.query;
      const rows = await segmentMembers(deps.db, ws.id, req.params.id, { limit: limit + 1, after: cursor ? Number(cursor) : undefined, at: at ? new Date(at) : undefined, scope: seg.scope });
      const page = rows.slice(0, limit);
      return { members: page, nextCursor: rows.length > limit ? String(page[page.length - 1]!.customerId) : null };
    },
  });

  r.get('/api/segments/:id/members.csv', {
    schema: {
      tags,
      summary: 'Every member as CSV (customer_id, user_id, email, entered_at), streamed',
      security,
      params: IdParams,
      querystring: SegmentMembersQuery.pick({ at: true }),
      produces: ['text/csv'],
      response: errors,
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const seg = await getSegment(deps.db, ws.id, req.params.id);
      if (!seg) throw new HttpError('not_found', `no segment "${req.params.id}"`);
      const file = `${seg.name.replace(/[^\w.-]+/g, '_').slice(0, 80) || seg.id}.csv`;
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`);
      // A stream (no response schema applies to it): pages of members as they are read.
      return reply.send(Readable.from(membersCsv(deps.db, ws.id, seg.id, { at: req.query.at ? new Date(req.query.at) : undefined, scope: seg.scope })) as never);
    },
  });

  r.get('/api/customers/:id/segments', {
    schema: {
      tags: ['customers', ...tags],
      summary: 'The segments a customer is in now',
      security,
      params: z.object({ id: z.string().min(1).max(512) }),
      response: { 200: CustomerSegments, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      return { segments: await customerSegments(deps.db, ws.id, customerId) };
    },
  });

  r.get('/api/rfm', {
    schema: {
      tags: ['segments', 'rfm'],
      summary: 'RFM: buyers per named group (champions … lost) with their mean recency, frequency and monetary value, and the score boundaries',
      description:
        'Scores are 1–5 per dimension among buyers (customers with an `Order Completed`): buyers sorted ascending (recency: oldest last order first), a score is the fifth in which the value first appears (1 + floor(5 × percent_rank), ties share the lower score). Groups follow the R × F grid documented in src/server/segments/rfm.ts. Scores are refreshed hourly by the segment sweep, or now with POST /api/rfm/recompute.',
      security,
      response: { 200: RfmView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const run = await lastRfmRun(deps.db, ws.id);
      return {
        computedAt: run?.computedAt.toISOString() ?? null,
        buyers: run?.buyers ?? 0,
        boundaries: run?.boundaries ?? null,
        groups: await rfmDistribution(deps.db, ws.id, run?.computedAt ?? new Date()),
      };
    },
  });

  r.post('/api/rfm/recompute', {
    schema: { tags: ['segments', 'rfm'], summary: 'Score RFM now and move the groups, as a job', security, response: { 202: z.object({ job: JobView }), ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await enqueueJob(deps.db, ws.id, RFM_JOB, {});
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: RFM_JOB });
      return reply.status(202).send({ job: jobView(job) });
    },
  });

  r.get('/api/cohorts', {
    schema: {
      tags: ['segments', 'cohorts'],
      summary: 'Cohorts: customers by the week or month of their first event (sign-up, first order…), or by first-touch channel or campaign',
      description: 'Each cohort comes with its `condition`; POST it to /api/segments to keep the cohort as a segment (its members then stay current).',
      security,
      querystring: CohortQuery,
      response: { 200: CohortList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return cohorts(deps.db, ws.id, req.query);
    },
  });

  const editList = async (ws: number, segmentId: string, ids: string[], mode: 'replace' | 'add' | 'remove') => {
    const { customerIds, unknown } = await resolveCustomerIds(deps.db, ws, ids);
    const r = await editStaticList(deps.db, ws, segmentId, customerIds, mode, new Date());
    if (!r.ok) throw httpErrorOf(r);
    return { segment: await view(ws, segmentId), entered: r.value.entered, exited: r.value.exited, unknown: unknown.slice(0, 100), unknownCount: unknown.length };
  };

  r.post('/api/segments/static', {
    schema: {
      tags,
      summary: 'Save a static segment: a list of customers by userId or anonymousId',
      description: 'Up to 10,000 ids per request; add more with POST /api/segments/{id}/list. Ids matching no customer are reported, not stored. For a CSV file use `tenure segments import-list`.',
      security,
      body: StaticSegmentInput,
      response: { 201: ListEdited, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const id = newSegmentId();
      await insertStaticSegment(deps.db, ws.id, id, req.body);
      return reply.status(201).send(await editList(ws.id, id, req.body.ids, 'replace'));
    },
  });

  r.post('/api/segments/:id/list', {
    schema: {
      tags,
      summary: "Change a static segment's members: replace the list, add ids or remove them",
      security,
      params: IdParams,
      body: ListEdit,
      response: { 200: ListEdited, 409: ErrorBody, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return editList(ws.id, req.params.id, req.body.ids, req.body.mode);
    },
  });
}
