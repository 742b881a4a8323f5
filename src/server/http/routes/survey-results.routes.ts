import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { FollowUpList, FollowUpQuery, ResponseList, ResponsesQuery, ResultsQuery, SurveyResults } from '../../../contracts/survey-results.js';
import type { Db } from '../../db/client.js';
import { followUpQueue, listResponses } from '../../surveys/results-lists.js';
import { surveyResults } from '../../surveys/results.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { httpErrorOf } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['surveys'];
const SurveyParams = z.object({ id: z.string().min(1).max(64) });

/** Admin API, the read side of surveys: a survey's results and answers, and the follow-up queue of negative answers. */
export function surveyResultsRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/surveys/:id/results', {
    schema: {
      tags,
      summary: "A survey's score with its 95% margin of error, delivery and response rate, distribution, trend, rounds, accounts and the closed loop",
      description: 'Respondents only in the scores; dismissals reported apart. Formulas: docs/surveys-results.md.',
      security,
      params: SurveyParams,
      querystring: ResultsQuery,
      response: { 200: SurveyResults, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await surveyResults(deps.db, ws.id, req.params.id, req.query, new Date());
      if (!res.ok) throw httpErrorOf(res);
      return res.value;
    },
  });

  r.get('/api/surveys/:id/responses', {
    schema: {
      tags,
      summary: "A survey's answers, newest first; of one sentiment, with a comment only; page with `before` = the previous page's `next`",
      security,
      params: SurveyParams,
      querystring: ResponsesQuery,
      response: { 200: ResponseList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await listResponses(deps.db, ws.id, req.params.id, req.query);
      if (!res.ok) throw httpErrorOf(res);
      return res.value;
    },
  });

  r.get('/api/survey-follow-ups', {
    schema: {
      tags,
      summary: 'The follow-up queue: tasks made for negative answers, with the answer and its survey, soonest due first',
      security,
      querystring: FollowUpQuery,
      response: { 200: FollowUpList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { items: await followUpQueue(deps.db, ws.id, req.query, new Date()) };
    },
  });
}
