import type { Db } from '../server/db/client.js';

/**
 * A hand-made survey fixture for the results tests (src/server/surveys/results.db.test.ts and
 * survey-results.http.test.ts), written straight into the tables the survey sender and the
 * answer page fill. Every number the tests expect is worked out by hand from the lists below.
 *
 * Workspace timezone Europe/Paris (UTC+1 in winter).
 *
 * Survey `nps-q` (NPS), 40 answers by 38 customers c1…c38:
 *   round R1 (January), 24 answers:
 *     c1–c5 10, c6–c10 9                  10 promoters
 *     c11–c14 8, c15–c18 7                8 passives (c18 answered 2026-01-31 23:30Z = Feb 1 00:30 in Paris)
 *     c19 6, c20 0, c21 3, c22 5, c23 6, c24 4   6 detractors
 *   round R2 (February), 16 answers:
 *     c19 9 (recovered), c20 2 (not recovered), c25–c31 10,10,9,9,9,9,10,
 *     c32–c35 7,8,8,7, c36 1, c37 6, c38 5    8 promoters, 4 passives, 4 detractors
 *   accounts: `acme` (name Acme Inc): c1–c4, c19, c20 (8 answers: 5 promoters, 3 detractors);
 *             `globex` (no name): c11, c12, c36 (8, 8, 1).
 *   comments: c1 R1 "Love it", c20 R1 "Too expensive", c21 "Support was slow", c36 "   " (blank).
 *   invitations: one per answer (status answered, sent a day before the answer), 3 dismissed
 *     (sent Jan 5, Jan 6, Feb 5), 7 still `sent` (Jan 7, 8, 9, 10; Feb 6, 7, 8), 2 held and 1
 *     skipped (never sent).
 *   follow-up tasks (reason survey:negative), hours after the answer:
 *     c19 R1 done +24 h, c20 R1 done +10 h, c21 done +50 h, c37 done +6 h,
 *     c22 open due 2026-01-25 (overdue), c36 open due 2026-02-22 (overdue), c23 open due 2030-01-01,
 *     c24 cancelled; c20 R2 and c38 none. Plus a journey's own task (no reason), not in the queue.
 *
 * Survey `csat-support` (CSAT 1–5), 10 answers: Jan 5,5,4,4,4,3 · Mar 2,1,5,4.
 * Survey `ces-onboard` (CES 1–7), 6 answers in January: 2,3,5,6,7,4.
 * Survey `ces-empty` (CES 1–7): no answers.
 */

const NPS_R1: Array<[number, number]> = [
  ...[1, 2, 3, 4, 5].map((c): [number, number] => [c, 10]),
  ...[6, 7, 8, 9, 10].map((c): [number, number] => [c, 9]),
  ...[11, 12, 13, 14].map((c): [number, number] => [c, 8]),
  ...[15, 16, 17, 18].map((c): [number, number] => [c, 7]),
  [19, 6],
  [20, 0],
  [21, 3],
  [22, 5],
  [23, 6],
  [24, 4],
];
const NPS_R2: Array<[number, number]> = [
  [19, 9],
  [20, 2],
  [25, 10],
  [26, 10],
  [27, 9],
  [28, 9],
  [29, 9],
  [30, 9],
  [31, 10],
  [32, 7],
  [33, 8],
  [34, 8],
  [35, 7],
  [36, 1],
  [37, 6],
  [38, 5],
];

const HOUR = 3_600_000;
const npsSentiment = (s: number) => (s >= 9 ? ['promoter', 'positive'] : s >= 7 ? ['passive', 'neutral'] : ['detractor', 'negative']);
const csatSentiment = (s: number) => (s >= 4 ? ['satisfied', 'positive'] : s === 3 ? ['neutral', 'neutral'] : ['unsatisfied', 'negative']);
const cesSentiment = (s: number) => (s >= 5 ? ['easy', 'positive'] : s === 4 ? ['neutral', 'neutral'] : ['difficult', 'negative']);

export interface SurveyFixture {
  /** Customer ids: customer[n] is cn. */
  customer: Record<number, number>;
  /** Response ids of nps-q: `${round}:c${n}`. */
  response: Record<string, number>;
  /** Task ids by the customer whose negative answer made them: `c22`, … */
  task: Record<string, number>;
  acme: number;
  globex: number;
}

/** Insert the fixture into workspace `ws` (and set its timezone to Europe/Paris). */
export async function insertSurveyFixture(db: Db, ws: number): Promise<SurveyFixture> {
  await db.query(`UPDATE workspaces SET timezone = 'Europe/Paris' WHERE id = $1`, [ws]);
  const customer: Record<number, number> = {};
  for (let c = 1; c <= 38; c++) {
    const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, `c${c}`]);
    customer[c] = Number(rows[0]!.id);
  }
  const account = async (groupId: string, traits: object) =>
    Number(
      (
        await db.query<{ id: number }>(`INSERT INTO accounts (workspace_id, group_id, traits, first_seen_at, last_seen_at) VALUES ($1, $2, $3, now(), now()) RETURNING id`, [
          ws,
          groupId,
          JSON.stringify(traits),
        ])
      ).rows[0]!.id,
    );
  const acme = await account('acme', { name: 'Acme Inc' });
  const globex = await account('globex', { industry: 'energy' });
  const accountOf = (c: number) => ([1, 2, 3, 4, 19, 20].includes(c) ? acme : [11, 12, 36].includes(c) ? globex : null);

  const survey = async (id: string, name: string, definition: Record<string, unknown>) => {
    await db.query(`INSERT INTO surveys (workspace_id, id, name, type, status, version) VALUES ($1, $2, $3, $4, 'active', 1)`, [ws, id, name, definition.type]);
    await db.query(`INSERT INTO survey_versions (workspace_id, survey_id, version, definition) VALUES ($1, $2, 1, $3)`, [ws, id, JSON.stringify(definition)]);
  };
  await survey('nps-q', 'Quarterly NPS', { type: 'nps', question: 'How likely are you to recommend us?' });
  await survey('csat-support', 'Support CSAT', { type: 'csat', question: 'How satisfied were you?' });
  await survey('ces-onboard', 'Onboarding effort', { type: 'ces', question: 'How easy was it?' });
  await survey('ces-empty', 'Unused', { type: 'ces', question: 'How easy was it?' });

  let key = 0;
  const invitation = async (surveyId: string, type: string, c: number, round: string, status: string, sentAt: string | null) =>
    Number(
      (
        await db.query<{ id: number }>(
          `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, created_at, sent_at)
           VALUES ($1, $2, 1, $3, $4, 'email', 'broadcast', $5, $6, $7, $8, $9) RETURNING id`,
          [ws, surveyId, type, customer[c], round, `fixture-${key++}`, status, sentAt ?? '2026-01-01T00:00:00Z', sentAt],
        )
      ).rows[0]!.id,
    );
  const answer = async (surveyId: string, type: string, c: number, round: string, score: number, at: string, band: string, sentiment: string, comment: string | null = null) => {
    const inv = await invitation(surveyId, type, c, round, 'answered', new Date(Date.parse(at) - 24 * HOUR).toISOString());
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO survey_responses (workspace_id, invitation_id, survey_id, version, type, customer_id, account_id, channel, round, score, band, sentiment, comment, responded_at)
       VALUES ($1, $2, $3, 1, $4, $5, $6, 'email', $7, $8, $9, $10, $11, $12) RETURNING id`,
      [ws, inv, surveyId, type, customer[c], surveyId === 'nps-q' ? accountOf(c) : null, round, score, band, sentiment, comment, at],
    );
    return Number(rows[0]!.id);
  };

  const comments: Record<string, string> = { 'R1:c1': 'Love it', 'R1:c20': 'Too expensive', 'R1:c21': 'Support was slow', 'R2:c36': '   ' };
  const response: Record<string, number> = {};
  for (const [i, [c, score]] of NPS_R1.entries()) {
    const at = c === 18 ? '2026-01-31T23:30:00Z' : `2026-01-${String(10 + (i % 15)).padStart(2, '0')}T12:00:00Z`;
    const [band, sentiment] = npsSentiment(score);
    response[`R1:c${c}`] = await answer('nps-q', 'nps', c, 'R1', score, at, band!, sentiment!, comments[`R1:c${c}`] ?? null);
  }
  for (const [i, [c, score]] of NPS_R2.entries()) {
    const at = `2026-02-${String(10 + (i % 10)).padStart(2, '0')}T12:00:00Z`;
    const [band, sentiment] = npsSentiment(score);
    response[`R2:c${c}`] = await answer('nps-q', 'nps', c, 'R2', score, at, band!, sentiment!, comments[`R2:c${c}`] ?? null);
  }
  for (const [i, at] of ['2026-01-05', '2026-01-06', '2026-02-05'].entries()) await invitation('nps-q', 'nps', 25 + i, i < 2 ? 'R1' : 'R2', 'dismissed', `${at}T09:00:00Z`);
  for (const [i, at] of ['2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10', '2026-02-06', '2026-02-07', '2026-02-08'].entries())
    await invitation('nps-q', 'nps', 30 + i, at < '2026-02' ? 'R1' : 'R2', 'sent', `${at}T09:00:00Z`);
  await invitation('nps-q', 'nps', 1, 'R2', 'held', null);
  await invitation('nps-q', 'nps', 2, 'R2', 'held', null);
  await invitation('nps-q', 'nps', 3, 'R2', 'skipped', null);

  const respondedAt = async (id: number) => (await db.query<{ at: Date }>(`SELECT responded_at AS at FROM survey_responses WHERE id = $1`, [id])).rows[0]!.at;
  const task = async (name: string, responseId: number | null, c: number, status: string, due: string, doneAfterHours: number | null, reason: string | null = 'survey:negative') => {
    const answered = responseId === null ? new Date('2026-01-01T00:00:00Z') : new Date(await respondedAt(responseId));
    const doneAt = doneAfterHours === null ? null : new Date(answered.getTime() + doneAfterHours * HOUR);
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO tasks (workspace_id, customer_id, idempotency_key, title, assignee_role, status, due_at, created_at, done_at, reason, subject_key, response_id)
       VALUES ($1, $2, $3, 'Follow up on a detractor', 'success', $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [ws, customer[c], `fixture-task-${name}`, status, due, answered, doneAt, reason, reason ? `customer:${customer[c]}` : null, responseId],
    );
    return Number(rows[0]!.id);
  };
  const t: Record<string, number> = {};
  t.c19 = await task('c19', response['R1:c19']!, 19, 'done', '2026-02-01T00:00:00Z', 24);
  t.c20 = await task('c20', response['R1:c20']!, 20, 'done', '2026-02-02T00:00:00Z', 10);
  t.c21 = await task('c21', response['R1:c21']!, 21, 'done', '2026-02-03T00:00:00Z', 50);
  t.c37 = await task('c37', response['R2:c37']!, 37, 'done', '2026-02-28T00:00:00Z', 6);
  t.c22 = await task('c22', response['R1:c22']!, 22, 'open', '2026-01-25T00:00:00Z', null);
  t.c36 = await task('c36', response['R2:c36']!, 36, 'open', '2026-02-22T00:00:00Z', null);
  t.c23 = await task('c23', response['R1:c23']!, 23, 'open', '2030-01-01T00:00:00Z', null);
  t.c24 = await task('c24', response['R1:c24']!, 24, 'cancelled', '2026-01-30T00:00:00Z', null);
  t.journey = await task('journey', null, 5, 'open', '2026-01-02T00:00:00Z', null, null);

  for (const [i, score] of [5, 5, 4, 4, 4, 3].entries()) {
    const [band, sentiment] = csatSentiment(score);
    await answer('csat-support', 'csat', 1 + i, 'S1', score, `2026-01-${10 + i}T12:00:00Z`, band!, sentiment!);
  }
  for (const [i, score] of [2, 1, 5, 4].entries()) {
    const [band, sentiment] = csatSentiment(score);
    await answer('csat-support', 'csat', 7 + i, 'S1', score, `2026-03-${10 + i}T12:00:00Z`, band!, sentiment!);
  }
  for (const [i, score] of [2, 3, 5, 6, 7, 4].entries()) {
    const [band, sentiment] = cesSentiment(score);
    await answer('ces-onboard', 'ces', 1 + i, 'C1', score, `2026-01-${10 + i}T12:00:00Z`, band!, sentiment!);
  }
  return { customer, response, task: t, acme, globex };
}
