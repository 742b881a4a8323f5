import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SurveyAnswer, SurveyComment } from '../../../contracts/surveys.js';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { recordAnswer, recordComment, recordDismissal, resolveSurveyLink, type LinkedInvitation } from '../../surveys/answers.js';
import { answerPageCsp, renderAnswerPage, type AnswerPageState } from '../../surveys/survey-render.js';
import { surveyPageFacts } from '../../surveys/surveys.service.js';
import { STATUS_OF, httpErrorOf } from '../errors.js';

const Token = z.object({ token: z.string().min(10).max(1_000) });

/**
 * The survey links customers follow, without any key (contracts/surveys.ts; answers in
 * surveys/answers.ts). `GET /s/:token` only shows: the question, or — from an email's score
 * link (`?score=N`) — the chosen score, which the page then POSTs by script when a person is
 * looking at it (a mail scanner's prefetch records nothing); `POST /s/:token` records the
 * score once per invitation (a second click shows the first answer); `POST
 * /s/:token/comment` adds the follow-up text to the same response; `POST /s/:token/dismiss`
 * closes an in-app survey unanswered. Apps send and take JSON (`Accept: application/json`);
 * browsers get pages. A forged or expired link changes nothing.
 */
export function surveyAnswerRoutes(app: FastifyInstance, deps: { db: Db; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hide = { hide: true };
  const wantsJson = (req: FastifyRequest) => /application\/json/.test(String(req.headers.accept ?? '')) && !/text\/html/.test(String(req.headers.accept ?? ''));

  const page = async (reply: FastifyReply, status: number, state: AnswerPageState) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('content-security-policy', answerPageCsp(nonce))
      .send(renderAnswerPage({ ...state, nonce } as AnswerPageState));
  };
  const invalid = (req: FastifyRequest, reply: FastifyReply) =>
    wantsJson(req) ? reply.status(STATUS_OF.not_found).send({ code: 'not_found', message: 'this survey link is not valid or has expired' }) : page(reply, STATUS_OF.not_found, { kind: 'invalid' });
  const urls = (token: string) => ({ postUrl: `/s/${token}`, commentUrl: `/s/${token}/comment` });
  const common = async (l: LinkedInvitation) => {
    const f = await surveyPageFacts(deps.db, l.workspaceId, l.customerId);
    return { survey: l.definition, vars: f.vars, brand: f.brand };
  };
  const json = (l: LinkedInvitation) => ({
    survey: {
      id: l.surveyId,
      type: l.type,
      version: l.version,
      question: l.definition.question,
      scale: l.definition.type === 'nps' ? { min: 0, max: 10 } : (l.definition.scale ?? null),
      lowLabel: l.definition.lowLabel ?? null,
      highLabel: l.definition.highLabel ?? null,
      followUp: l.definition.followUp ?? null,
    },
    status: l.status,
    response: l.response,
  });

  r.get('/s/:token', {
    schema: { ...hide, params: Token, querystring: z.object({ score: z.string().max(4).optional() }) },
    handler: async (req, reply) => {
      const l = await resolveSurveyLink(deps.db, req.params.token, new Date());
      if (!l) return invalid(req, reply);
      if (wantsJson(req)) return reply.header('cache-control', 'no-store').send(json(l));
      const c = await common(l);
      const u = urls(req.params.token);
      if (l.response) return page(reply, 200, { kind: 'answered', ...c, score: l.response.score, comment: l.response.comment, commentUrl: u.commentUrl });
      if (l.surveyStatus === 'archived') return page(reply, 200, { kind: 'closed', ...c });
      const score = req.query.score !== undefined && /^\d{1,2}$/.test(req.query.score) ? Number(req.query.score) : null;
      const { min, max } = l.definition.type === 'nps' ? { min: 0, max: 10 } : (l.definition.scale ?? { min: 1, max: l.definition.type === 'ces' ? 7 : 5 });
      if (score !== null && score >= min && score <= max) return page(reply, 200, { kind: 'confirm', ...c, score, postUrl: u.postUrl, nonce: '' });
      return page(reply, 200, { kind: 'ask', ...c, postUrl: u.postUrl, inlineComment: l.channel !== 'email' });
    },
  });

  r.post('/s/:token', {
    schema: { ...hide, params: Token, body: z.unknown() },
    handler: async (req, reply) => {
      const l = await resolveSurveyLink(deps.db, req.params.token, new Date());
      if (!l) return invalid(req, reply);
      const body = SurveyAnswer.safeParse(req.body ?? {});
      const u = urls(req.params.token);
      if (!body.success) {
        if (wantsJson(req))
          return reply.status(STATUS_OF.validation_failed).send({ code: 'validation_failed', message: 'send a whole number `score` (and an optional `comment` of up to 5,000 characters)' });
        return page(reply, STATUS_OF.validation_failed, { kind: 'ask', ...(await common(l)), postUrl: u.postUrl, inlineComment: l.channel !== 'email' });
      }
      // The answer first: what only the thank-you page needs is read after it is committed.
      const done = await recordAnswer(deps.db, l, body.data, new Date());
      if (!done.ok) {
        if (wantsJson(req)) throw httpErrorOf(done);
        const c = await common(l);
        if (done.code === 'conflict') return page(reply, STATUS_OF.conflict, { kind: 'closed', ...c });
        return page(reply, STATUS_OF.validation_failed, { kind: 'ask', ...c, postUrl: u.postUrl });
      }
      // The answer's stage and segment work was recorded with it; this wakes the workers.
      if (done.value.created) deps.bus.publish({ kind: 'events', workspaceId: l.workspaceId, customerIds: [l.customerId] });
      if (wantsJson(req)) return reply.status(done.value.created ? 201 : 200).send({ response: done.value.response, created: done.value.created });
      const c = await common(l);
      const resp = done.value.response;
      if (!done.value.created) return page(reply, 200, { kind: 'answered', ...c, score: resp.score, comment: resp.comment, commentUrl: u.commentUrl });
      if (resp.comment || !l.definition.followUp) return page(reply, 200, { kind: 'done', ...c, score: resp.score });
      return page(reply, 200, { kind: 'followUp', ...c, score: resp.score, commentUrl: u.commentUrl });
    },
  });

  r.post('/s/:token/comment', {
    schema: { ...hide, params: Token, body: z.unknown() },
    handler: async (req, reply) => {
      const l = await resolveSurveyLink(deps.db, req.params.token, new Date());
      if (!l) return invalid(req, reply);
      const body = SurveyComment.safeParse(req.body ?? {});
      const c = await common(l);
      if (!body.success) {
        if (wantsJson(req)) return reply.status(STATUS_OF.validation_failed).send({ code: 'validation_failed', message: 'send a `comment` of 1 to 5,000 characters' });
        if (l.response) return page(reply, STATUS_OF.validation_failed, { kind: 'followUp', ...c, score: l.response.score, commentUrl: urls(req.params.token).commentUrl });
        return page(reply, STATUS_OF.validation_failed, { kind: 'ask', ...c, postUrl: urls(req.params.token).postUrl });
      }
      const done = await recordComment(deps.db, l, body.data.comment, new Date());
      if (!done.ok) {
        if (wantsJson(req)) throw httpErrorOf(done);
        return page(reply, STATUS_OF.validation_failed, { kind: 'ask', ...c, postUrl: urls(req.params.token).postUrl });
      }
      deps.bus.publish({ kind: 'events', workspaceId: l.workspaceId, customerIds: [l.customerId] });
      if (wantsJson(req)) return reply.send({ response: done.value });
      return page(reply, 200, { kind: 'done', ...c, score: done.value.score });
    },
  });

  r.post('/s/:token/dismiss', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const l = await resolveSurveyLink(deps.db, req.params.token, new Date());
      if (!l) return invalid(req, reply);
      const changed = await recordDismissal(deps.db, l, new Date());
      if (changed) deps.bus.publish({ kind: 'events', workspaceId: l.workspaceId, customerIds: [l.customerId] });
      return reply.send({ dismissed: true, changed });
    },
  });
}
