import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScoreSummary } from '../../contracts/survey-results.js';
import { ResponsesQuery, ResultsQuery, FollowUpQuery } from '../../contracts/survey-results.js';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { insertSurveyFixture, type SurveyFixture } from '../../test-support/survey-results-fixture.js';
import { followUpQueue, listResponses } from './results-lists.js';
import { surveyResults } from './results.js';

/** Numbers are compared to the 2 decimals the hand computations below are written with. */
const close = (actual: number | null, expected: number | null, what: string) => {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - expected) < 0.005, `${what}: expected ${expected}, got ${actual}`);
};
function summary(s: ScoreSummary, e: { n: number; pos: number; neu: number; neg: number; score: number | null; moe: number | null; tooFew: boolean }, what: string) {
  assert.deepEqual([s.respondents, s.positive, s.neutral, s.negative, s.tooFew], [e.n, e.pos, e.neu, e.neg, e.tooFew], `${what}: counts`);
  close(s.score, e.score, `${what}: score`);
  close(s.marginOfError, e.moe, `${what}: margin of error`);
}

const NOW = new Date('2026-03-01T00:00:00Z');

for (const target of dbTargets()) {
  describe(`survey results (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let other: number;
    let fx: SurveyFixture;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'results')).workspace.id;
      other = (await makeWorkspace(db, 'results-other')).workspace.id;
      fx = await insertSurveyFixture(db, ws);
    });
    after(() => db.close());

    const results = async (surveyId: string, q: Record<string, string> = {}, workspace = ws) => {
      const r = await surveyResults(db, workspace, surveyId, ResultsQuery.parse(q), NOW);
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    };

    it('NPS over all answers: respondents only, the margin of error, delivery and the distribution', async () => {
      const r = await results('nps-q');
      assert.equal(r.type, 'nps');
      assert.deepEqual(r.scale, { min: 0, max: 10 });
      // 18 promoters, 12 passives, 10 detractors of 40: NPS = 45% − 25% = 20.
      // p_P = .45, p_D = .25: Var(X) = .45 + .25 − (.45 − .25)² = .70 − .04 = .66;
      // √(.66 / 40) = √.0165 = .128452; × 1.96 × 100 = 25.18.
      summary(r.overall, { n: 40, pos: 18, neu: 12, neg: 10, score: 20, moe: 25.18, tooFew: false }, 'overall');
      // 40 answered + 3 dismissed + 7 unanswered = 50 sent (2 held, 1 skipped never were): 40 / 50.
      assert.deepEqual(r.delivery, { sent: 50, answered: 40, dismissed: 3, responseRate: 0.8 });
      assert.deepEqual(
        r.distribution,
        [1, 1, 1, 1, 1, 2, 3, 6, 6, 10, 8].map((count, score) => ({ score, count })),
      );
    });

    it('trend per month in the workspace timezone, per round and per account', async () => {
      const r = await results('nps-q');
      // c18's answer at 2026-01-31 23:30Z is Feb 1 in Paris: January keeps 23 answers (10 P, 7 passives, 6 D), February 17 (8 P, 5 passives, 4 D).
      assert.deepEqual(
        r.trend.map((t) => t.period),
        ['2026-01-01', '2026-02-01'],
      );
      // Jan: (10 − 6) / 23 = 17.39; p_P = .434783, p_D = .260870: Var = .695652 − .030246 = .665406; √(.665406 / 23) = .170091 × 196 = 33.34.
      summary(r.trend[0]!.summary, { n: 23, pos: 10, neu: 7, neg: 6, score: 17.39, moe: 33.34, tooFew: true }, 'January');
      // Feb: (8 − 4) / 17 = 23.53; p_P = .470588, p_D = .235294: Var = .705882 − .055363 = .650519; √(.650519 / 17) = .195618 × 196 = 38.34.
      summary(r.trend[1]!.summary, { n: 17, pos: 8, neu: 5, neg: 4, score: 23.53, moe: 38.34, tooFew: true }, 'February');

      // R1: 24 answers, (10 − 6) / 24 = 16.67; Var = (10 + 6)/24 − (4/24)² = .666667 − .027778 = .638889; √(.638889 / 24) = .163159 × 196 = 31.98.
      // R2: 16 answers, (8 − 4) / 16 = 25; Var = .75 − .0625 = .6875; √(.6875 / 16) = .207289 × 196 = 40.63.
      assert.deepEqual(
        r.rounds.map((x) => x.round),
        ['R1', 'R2'],
      );
      summary(r.rounds[0]!.summary, { n: 24, pos: 10, neu: 8, neg: 6, score: 16.67, moe: 31.98, tooFew: true }, 'R1');
      summary(r.rounds[1]!.summary, { n: 16, pos: 8, neu: 4, neg: 4, score: 25, moe: 40.63, tooFew: true }, 'R2');

      // acme: c1–c4 promoters, c19 (6 then 9), c20 (0 then 2): 5 P, 3 D of 8 → 25; Var = 1 − .0625 = .9375; √(.9375 / 8) = .342327 × 196 = 67.10.
      // globex: 8, 8, 1 → (0 − 1) / 3 = −33.33; Var = 1/3 − 1/9 = .222222; √(.222222 / 3) = .272166 × 196 = 53.34.
      assert.deepEqual(
        r.accounts.map((a) => [a.accountId, a.groupId, a.name]),
        [
          [fx.acme, 'acme', 'Acme Inc'],
          [fx.globex, 'globex', null],
        ],
      );
      summary(r.accounts[0]!.summary, { n: 8, pos: 5, neu: 0, neg: 3, score: 25, moe: 67.1, tooFew: true }, 'acme');
      summary(r.accounts[1]!.summary, { n: 3, pos: 0, neu: 2, neg: 1, score: -33.33, moe: 53.34, tooFew: true }, 'globex');

      const quarters = await results('nps-q', { period: 'quarter' });
      assert.deepEqual(
        quarters.trend.map((t) => [t.period, t.summary.respondents]),
        [['2026-01-01', 40]],
      );
    });

    it('the closed loop: tasks, follow-up, median hours and recovery', async () => {
      const r = await results('nps-q');
      // 10 negative answers; tasks for c19, c20, c21, c22, c23, c24 (R1) and c36, c37 (R2): 8;
      // done: c19 (+24 h), c20 (+10 h), c21 (+50 h), c37 (+6 h): 4 of 10 = .4; median of 6, 10, 24, 50 = (10 + 24) / 2 = 17.
      // Later NPS answers by the same customer: c19 R1 → 9 (recovered), c20 R1 → 2 (not): 1 of 2.
      assert.deepEqual(r.followUp, { negative: 10, withTask: 8, followedUp: 4, followedUpShare: 0.4, medianHoursToFollowUp: 17, recovered: 1, recoveryRate: 0.5 });
    });

    it('a range: answers by responded_at, delivery by sent_at, the loop over the negatives in it', async () => {
      const r = await results('nps-q', { from: '2026-02-01T00:00:00+01:00', to: '2026-03-01T00:00:00+01:00' });
      summary(r.overall, { n: 17, pos: 8, neu: 5, neg: 4, score: 23.53, moe: 38.34, tooFew: true }, 'February in Paris');
      // Sent in February: 16 of R2 (answered), 1 dismissed (Feb 5), 3 unanswered (Feb 6–8) = 20; c18's invitation went out on Jan 30.
      assert.deepEqual(r.delivery, { sent: 20, answered: 16, dismissed: 1, responseRate: 0.8 });
      // Negatives in February: c20 R2, c36, c37, c38; tasks c36 (open), c37 (done +6 h); none answered again.
      assert.deepEqual(r.followUp, { negative: 4, withTask: 2, followedUp: 1, followedUpShare: 0.25, medianHoursToFollowUp: 6, recovered: 0, recoveryRate: null });
    });

    it('CSAT: % positive with its margin, empty months in the trend', async () => {
      const r = await results('csat-support');
      // 5, 5, 4, 4, 4, 3, 2, 1, 5, 4: 7 of 10 score 4–5 → 70%; √(.7 × .3 / 10) = √.021 = .144914 × 196 = 28.40.
      summary(r.overall, { n: 10, pos: 7, neu: 1, neg: 2, score: 70, moe: 28.4, tooFew: true }, 'CSAT');
      assert.deepEqual(r.scale, { min: 1, max: 5 });
      assert.deepEqual(r.distribution, [
        { score: 1, count: 1 },
        { score: 2, count: 1 },
        { score: 3, count: 1 },
        { score: 4, count: 4 },
        { score: 5, count: 3 },
      ]);
      // January 5, 5, 4, 4, 4, 3 → 5 of 6; February none; March 2, 1, 5, 4 → 2 of 4.
      assert.deepEqual(
        r.trend.map((t) => [t.period, t.summary.respondents]),
        [
          ['2026-01-01', 6],
          ['2026-02-01', 0],
          ['2026-03-01', 4],
        ],
      );
      summary(r.trend[1]!.summary, { n: 0, pos: 0, neu: 0, neg: 0, score: null, moe: null, tooFew: true }, 'empty February');
      close(r.trend[2]!.summary.score, 50, 'March');
      assert.deepEqual(r.delivery, { sent: 10, answered: 10, dismissed: 0, responseRate: 1 });
    });

    it('CES: the mean with the sample standard deviation; no answers: nulls', async () => {
      const r = await results('ces-onboard');
      // 2, 3, 5, 6, 7, 4: mean 27 / 6 = 4.5; squared deviations 6.25 + 2.25 + .25 + 2.25 + 6.25 + .25 = 17.5;
      // s² = 17.5 / 5 = 3.5, s = 1.870829; 1.96 × 1.870829 / √6 (2.449490) = 1.50.
      summary(r.overall, { n: 6, pos: 3, neu: 1, neg: 2, score: 4.5, moe: 1.5, tooFew: true }, 'CES');
      const empty = await results('ces-empty');
      summary(empty.overall, { n: 0, pos: 0, neu: 0, neg: 0, score: null, moe: null, tooFew: true }, 'no answers');
      assert.deepEqual(empty.trend, []);
      assert.deepEqual(empty.delivery, { sent: 0, answered: 0, dismissed: 0, responseRate: null });
      assert.equal(empty.followUp.followedUpShare, null);
      assert.equal(empty.distribution.length, 7);
      const one = await results('ces-onboard', { to: '2026-01-11T00:00:00Z' });
      summary(one.overall, { n: 1, pos: 0, neu: 0, neg: 1, score: 2, moe: null, tooFew: true }, 'one answer');
    });

    it('an unknown survey, another workspace’s survey and a backwards range are refused', async () => {
      const unknown = await surveyResults(db, ws, 'nope', ResultsQuery.parse({}), NOW);
      assert.ok(!unknown.ok && unknown.code === 'not_found');
      const foreign = await surveyResults(db, other, 'nps-q', ResultsQuery.parse({}), NOW);
      assert.ok(!foreign.ok && foreign.code === 'not_found');
      const backwards = await surveyResults(db, ws, 'nps-q', ResultsQuery.parse({ from: '2026-03-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }), NOW);
      assert.ok(!backwards.ok && backwards.code === 'bad_range');
    });

    it('lists answers newest first, by sentiment, with a comment only, page by page', async () => {
      const list = async (q: Record<string, string | number>) => {
        const r = await listResponses(db, ws, 'nps-q', ResponsesQuery.parse(q));
        assert.ok(r.ok);
        return r.value;
      };
      const commented = await list({ sentiment: 'negative', withComment: 'true' });
      // c36's blank comment does not count; c21 answered after c20.
      assert.deepEqual(
        commented.responses.map((x) => [x.userId, x.score, x.band, x.comment]),
        [
          ['c21', 3, 'detractor', 'Support was slow'],
          ['c20', 0, 'detractor', 'Too expensive'],
        ],
      );
      assert.equal(commented.next, null);
      const first = commented.responses[1]!;
      assert.deepEqual(first, {
        id: fx.response['R1:c20'],
        surveyId: 'nps-q',
        version: 1,
        type: 'nps',
        customerId: fx.customer[20],
        userId: 'c20',
        accountId: fx.acme,
        channel: 'email',
        round: 'R1',
        score: 0,
        band: 'detractor',
        sentiment: 'negative',
        comment: 'Too expensive',
        respondedAt: first.respondedAt,
      });
      assert.equal((await list({ withComment: 'false' })).responses.length, 40);
      assert.equal((await list({ withComment: 'true' })).responses.length, 3);

      const seen: number[] = [];
      let before: number | undefined;
      const sizes: number[] = [];
      for (;;) {
        const page = await list(before === undefined ? { limit: 15 } : { limit: 15, before });
        sizes.push(page.responses.length);
        seen.push(...page.responses.map((x) => x.id));
        if (page.next === null) break;
        before = page.next;
      }
      assert.deepEqual(sizes, [15, 15, 10]);
      assert.deepEqual(
        seen,
        Object.values(fx.response).sort((a, b) => b - a),
      );
      const foreign = await listResponses(db, other, 'nps-q', ResponsesQuery.parse({}));
      assert.ok(!foreign.ok && foreign.code === 'not_found');
    });

    it('the follow-up queue: survey tasks only, soonest due first, overdue at now', async () => {
      const open = await followUpQueue(db, ws, FollowUpQuery.parse({}), NOW);
      // c22 due Jan 25 and c36 due Feb 22 are past 2026-03-01; c23 is due in 2030. The journey's own task is not a survey follow-up.
      assert.deepEqual(
        open.map((i) => [i.taskId, i.response.userId, i.overdue, i.surveyName, i.status]),
        [
          [fx.task.c22, 'c22', true, 'Quarterly NPS', 'open'],
          [fx.task.c36, 'c36', true, 'Quarterly NPS', 'open'],
          [fx.task.c23, 'c23', false, 'Quarterly NPS', 'open'],
        ],
      );
      assert.equal(open[0]!.dueAt, '2026-01-25T00:00:00.000Z');
      assert.equal(open[0]!.response.id, fx.response['R1:c22']);
      const done = await followUpQueue(db, ws, FollowUpQuery.parse({ status: 'done', limit: '3' }), NOW);
      assert.deepEqual(
        done.map((i) => [i.response.userId, i.overdue, i.doneAt !== null]),
        [
          ['c19', false, true],
          ['c20', false, true],
          ['c21', false, true],
        ],
      );
      assert.deepEqual(await followUpQueue(db, other, FollowUpQuery.parse({}), NOW), []);
    });
  });
}
