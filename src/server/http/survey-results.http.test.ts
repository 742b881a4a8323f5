import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { insertSurveyFixture, type SurveyFixture } from '../../test-support/survey-results-fixture.js';

for (const target of dbTargets()) {
  describe(`survey results admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let otherAdmin: string;
    let fx: SurveyFixture;
    const api = (path: string, auth = admin) => http(`${server.url}${path}`, { auth });

    before(async () => {
      db = await target.open();
      const ws = await makeWorkspace(db, 'results-http');
      admin = `Bearer ${ws.adminKey}`;
      otherAdmin = `Bearer ${(await makeWorkspace(db, 'results-http-other')).adminKey}`;
      fx = await insertSurveyFixture(db, ws.workspace.id);
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('GET /api/surveys/:id/results answers the hand-computed NPS, margin and response rate', async () => {
      const res = await api('/api/surveys/nps-q/results');
      assert.equal(res.status, 200);
      const r = res.body;
      // 18 P, 12 passives, 10 D of 40 → 20 ± 1.96 × √(.66 / 40) × 100 = 25.18; 40 answered of 50 sent.
      assert.equal(r.overall.score, 20);
      assert.equal(Math.round(r.overall.marginOfError * 100) / 100, 25.18);
      assert.equal(r.overall.tooFew, false);
      assert.deepEqual(r.delivery, { sent: 50, answered: 40, dismissed: 3, responseRate: 0.8 });
      assert.deepEqual(
        r.trend.map((t: { period: string }) => t.period),
        ['2026-01-01', '2026-02-01'],
      );
      assert.deepEqual(r.followUp, { negative: 10, withTask: 8, followedUp: 4, followedUpShare: 0.4, medianHoursToFollowUp: 17, recovered: 1, recoveryRate: 0.5 });

      const feb = await api(`/api/surveys/nps-q/results?from=${encodeURIComponent('2026-02-01T00:00:00+01:00')}&to=${encodeURIComponent('2026-03-01T00:00:00+01:00')}&period=week`);
      assert.equal(feb.status, 200);
      assert.equal(feb.body.overall.respondents, 17);
      // c18 on Sunday Feb 1 (Paris) is in the ISO week of Monday Jan 26; R2's 16 answers fall on Feb 10–15 (two a day: 12, week of Feb 9) and Feb 16–19 (one a day: 4); the week of Feb 2 has none.
      assert.deepEqual(
        feb.body.trend.map((t: { period: string; summary: { respondents: number } }) => [t.period, t.summary.respondents]),
        [
          ['2026-01-26', 1],
          ['2026-02-02', 0],
          ['2026-02-09', 12],
          ['2026-02-16', 4],
        ],
      );
    });

    it('refuses an unknown survey (404), a bad query (400) and a missing key (401)', async () => {
      const unknown = await api('/api/surveys/nope/results');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'not_found');
      assert.match(unknown.body.error.message, /nope/);
      assert.equal((await api('/api/surveys/nps-q/results', otherAdmin)).status, 404);
      assert.equal((await api('/api/surveys/nope/responses')).status, 404);

      const period = await api('/api/surveys/nps-q/results?period=year');
      assert.equal(period.status, 400);
      assert.equal(period.body.error.code, 'validation_failed');
      const date = await api('/api/surveys/nps-q/results?from=yesterday');
      assert.equal(date.status, 400);
      const backwards = await api('/api/surveys/nps-q/results?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z');
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.error.code, 'bad_range');
      assert.equal((await api('/api/surveys/nps-q/responses?limit=501')).status, 400);
      assert.equal((await api('/api/surveys/nps-q/responses?sentiment=angry')).status, 400);
      assert.equal((await api('/api/surveys/nps-q/responses?withComment=maybe')).status, 400);
      assert.equal((await api('/api/survey-follow-ups?status=later')).status, 400);
      assert.equal((await api(`/api/surveys/${'x'.repeat(65)}/results`)).status, 400);
      assert.equal((await http(`${server.url}/api/surveys/nps-q/results`)).status, 401);
    });

    it('GET /api/surveys/:id/responses pages newest first and filters comments', async () => {
      const page = await api('/api/surveys/nps-q/responses?limit=30');
      assert.equal(page.status, 200);
      assert.equal(page.body.responses.length, 30);
      const rest = await api(`/api/surveys/nps-q/responses?limit=30&before=${page.body.next}`);
      assert.equal(rest.body.responses.length, 10);
      assert.equal(rest.body.next, null);
      const commented = await api('/api/surveys/nps-q/responses?withComment=true&sentiment=negative');
      assert.deepEqual(
        commented.body.responses.map((x: { comment: string }) => x.comment),
        ['Support was slow', 'Too expensive'],
      );
      assert.equal((await api('/api/surveys/nps-q/responses?withComment=false')).body.responses.length, 40);
    });

    it('GET /api/survey-follow-ups: the open queue, soonest due first, overdue now', async () => {
      const res = await api('/api/survey-follow-ups');
      assert.equal(res.status, 200);
      // Due 2026-01-25 and 2026-02-22 are past (the test runs later than that); 2030-01-01 is not.
      assert.deepEqual(
        res.body.items.map((i: { taskId: number; overdue: boolean; surveyName: string; response: { score: number } }) => [i.taskId, i.overdue, i.surveyName, i.response.score]),
        [
          [fx.task.c22, true, 'Quarterly NPS', 5],
          [fx.task.c36, true, 'Quarterly NPS', 1],
          [fx.task.c23, false, 'Quarterly NPS', 6],
        ],
      );
      assert.deepEqual((await api('/api/survey-follow-ups', otherAdmin)).body, { items: [] });
      assert.equal((await api('/api/survey-follow-ups?status=cancelled')).body.items[0].taskId, fx.task.c24);
    });
  });
}
