import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';
import { parseCsv, readZip } from '../../test-support/unzip.js';
import { recordConsent } from './consent-records.js';
import { EXPORT_FILES } from './export.js';

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

/**
 * Plant one distinctive value (`<KIND>-<tag>`) of a person in every kind the export holds,
 * straight into the tables (workers are off), and answer value → the CSV it belongs in.
 */
async function plant(db: Db, ws: number, c: number, tag: string): Promise<Array<[string, string]>> {
  const v = (k: string) => `${k}-${tag}`;
  const q = (sql: string, p: unknown[]) => db.query(sql, [ws, c, ...p]);
  const { rows: m } = await q(`INSERT INTO messages (workspace_id, customer_id, channel, idempotency_key, status, subject, created_at) VALUES ($1, $2, 'email', $3, 'sent', $4, now()) RETURNING id`, [
    `k-${tag}`,
    v('MSGSUBJECT'),
  ]);
  const messageId = Number((m[0] as { id: number }).id);
  await q(`INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, context) VALUES ($1, $2, $3, 'track', 'Email Opened', now(), now(), $4, '{}')`, [
    `mev-${tag}`,
    JSON.stringify({ messageId, client: v('MSGEVENT') }),
  ]);
  await q(`INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version) VALUES ($1, 'customer', $2, $3, now(), 'r', now(), 1)`, [v('STAGE')]);
  await q(`INSERT INTO stage_transitions (workspace_id, scope, subject_id, from_stage, to_stage, at, pattern, reason) VALUES ($1, 'customer', $2, NULL, $3, now(), 'entered', $4)`, [
    v('STAGE'),
    v('STAGEREASON'),
  ]);
  await db.query(`INSERT INTO segments (workspace_id, id, name, kind, scope) VALUES ($1, $2, $3, 'static', 'customer')`, [ws, `seg-${tag}`, v('SEGMENT')]);
  await q(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES ($1, $3, $2, now())`, [`seg-${tag}`]);
  await q(`INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at) VALUES ($1, $2, 'mood', $3, now())`, [JSON.stringify({ label: v('SCORE') })]);
  await q(`INSERT INTO customer_predictions (workspace_id, customer_id, kind, model_id, probability, score, factors, computed_at) VALUES ($1, $2, 'churn', 1, 0.5, 0.5, $3, now())`, [
    JSON.stringify([{ factor: v('PREDICTION') }]),
  ]);
  await recordConsent(db, ws, [{ customerId: c, groupId: `$all:email`, subscribed: false, source: 'preference_page', at: new Date(), textShown: v('CONSENTTEXT'), ip: '192.0.2.7' }]);
  const { rows: inv } = await q(
    `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, created_at)
     VALUES ($1, 'nps', 1, 'nps', $2, 'email', 'journey', 'r1', $3, 'answered', now()) RETURNING id`,
    [`inv-${tag}`],
  );
  await q(
    `INSERT INTO survey_responses (workspace_id, invitation_id, survey_id, version, type, customer_id, channel, round, score, band, sentiment, comment, responded_at)
     VALUES ($1, $3, 'nps', 1, 'nps', $2, 'email', 'r1', 9, 'promoter', 'positive', $4, now())`,
    [(inv[0] as { id: number }).id, v('SURVEYCOMMENT')],
  );
  await q(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) VALUES ($1, $2, 'active', now())`, []);
  await q(`INSERT INTO loyalty_entries (workspace_id, idempotency_key, kind, customer_id, points, at, reason, actor) VALUES ($1, $3, 'adjustment', $2, 50, now(), $4, 'ops@example.com')`, [
    `le-${tag}`,
    v('LOYALTYREASON'),
  ]);
  await q(
    `INSERT INTO loyalty_redemptions (workspace_id, customer_id, reward_id, idempotency_key, points, code, status, channel, created_at, updated_at)
     VALUES ($1, $2, 'coffee', $3, 10, $4, 'issued', 'api', now(), now())`,
    [`lr-${tag}`, v('REWARDCODE')],
  );
  await q(`INSERT INTO referral_codes (workspace_id, code, customer_id) VALUES ($1, $3, $2)`, [v('REFCODE')]);
  await q(`INSERT INTO tasks (workspace_id, customer_id, idempotency_key, title, assignee_role, due_at) VALUES ($1, $2, $3, $4, 'support', now())`, [`t-${tag}`, v('TASKTITLE')]);
  await q(`INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, status, step, state, entry_key, entered_at) VALUES ($1, $3, 1, $2, 'completed', 'end', '{}', 'e1', now())`, [
    v('JOURNEY'),
  ]);
  await q(`INSERT INTO support_tickets (workspace_id, connection_id, ticket_id, customer_id, created_at) VALUES ($1, 'zendesk', $3, $2, now())`, [v('TICKET')]);
  const { rows: acc } = await db.query(`INSERT INTO accounts (workspace_id, group_id, traits, first_seen_at, last_seen_at) VALUES ($1, $2, '{}', now(), now()) RETURNING id`, [ws, v('ACCOUNT')]);
  await q(`INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at) VALUES ($1, $3, $2, now())`, [(acc[0] as { id: number }).id]);
  return [
    [v('TRAIT'), 'profile.csv'],
    [`user-${tag}`, 'identities.csv'],
    [v('EVPROP'), 'events.csv'],
    [v('MSGSUBJECT'), 'messages.csv'],
    [v('MSGEVENT'), 'messages.csv'],
    [v('STAGE'), 'stages.csv'],
    [v('STAGEREASON'), 'stages.csv'],
    [v('SEGMENT'), 'segments.csv'],
    [v('SCORE'), 'scores.csv'],
    [v('PREDICTION'), 'scores.csv'],
    [v('CONSENTTEXT'), 'consents.csv'],
    [v('SURVEYCOMMENT'), 'surveys.csv'],
    [v('LOYALTYREASON'), 'loyalty.csv'],
    [v('REWARDCODE'), 'loyalty.csv'],
    [v('REFCODE'), 'referrals.csv'],
    [v('TASKTITLE'), 'tasks.csv'],
    [v('JOURNEY'), 'journeys.csv'],
    [v('TICKET'), 'support.csv'],
    [v('ACCOUNT'), 'accounts.csv'],
  ];
}

for (const target of dbTargets()) {
  describe(`person export archive (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let ws: number;
    let ada: Array<[string, string]>;
    let bob: Array<[string, string]>;
    const EXTRA_EVENTS = 2_345;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'acme');
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      server = await startServer(db, { stages: null, segments: null });
      const ids: Record<string, number> = {};
      for (const tag of ['ada7', 'bob9']) {
        const w = basic(keys.writeKey);
        assert.equal((await http(`${server.url}/v1/identify`, { auth: w, body: { userId: `user-${tag}`, traits: { favourite: `TRAIT-${tag}`, email: `${tag}@example.com` } } })).status, 200);
        assert.equal((await http(`${server.url}/v1/track`, { auth: w, body: { userId: `user-${tag}`, event: 'Order Completed', properties: { note: `EVPROP-${tag}`, total: 12 } } })).status, 200);
        ids[tag] = await until(`${tag}'s events`, async () => {
          const { rows } = await db.query<{ customer_id: number; n: number }>(`SELECT customer_id, count(*)::int AS n FROM events WHERE workspace_id = $1 AND user_id = $2 GROUP BY customer_id`, [
            ws,
            `user-${tag}`,
          ]);
          return rows[0]?.n === 2 ? Number(rows[0].customer_id) : undefined;
        });
      }
      ada = await plant(db, ws, ids.ada7!, 'ada7');
      bob = await plant(db, ws, ids.bob9!, 'bob9');
      // A longer history than one page of reads (1,000 rows).
      await db.query(
        `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, context)
         SELECT $1, $2, 'bulk-' || g, 'track', 'Page Viewed', now() - g * interval '1 minute', now(), jsonb_build_object('n', g), '{}' FROM generate_series(1, $3::int) g`,
        [ws, ids.ada7, EXTRA_EVENTS],
      );
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('GET /api/customers/:id/export is a valid ZIP with every planted value in person.json and in its CSV, and nothing of another person', async () => {
      const res = await fetch(`${server.url}/api/customers/user-ada7/export`, { headers: { authorization: admin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/zip');
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="tenure-export-acme-\d+-\d{4}-\d{2}-\d{2}\.zip"$/);
      const buf = Buffer.from(await res.arrayBuffer());
      const files = readZip(buf);
      assert.deepEqual([...files.keys()], EXPORT_FILES);
      const text = new Map([...files].map(([n, b]) => [n, b.toString('utf8')]));
      const person = text.get('person.json')!;
      for (const [value, csv] of ada) {
        assert.ok(person.includes(value), `person.json lacks ${value}`);
        assert.ok(text.get(csv)!.includes(value), `${csv} lacks ${value}`);
      }
      for (const [value] of bob) for (const [name, t] of text) assert.ok(!t.includes(value), `${name} holds the other person's ${value}`);

      // person.json is one JSON document, nested: each message with its events.
      const doc = JSON.parse(person);
      assert.equal(doc.profile.user_id, 'user-ada7');
      assert.equal(doc.profile.traits.favourite, 'TRAIT-ada7');
      assert.equal(doc.messages.length, 1);
      assert.equal(doc.messages[0].subject, 'MSGSUBJECT-ada7');
      assert.deepEqual(
        doc.messages[0].events.map((e: { properties: { client: string } }) => e.properties.client),
        ['MSGEVENT-ada7'],
      );
      // identify + track + the message's event + the bulk history
      assert.equal(doc.events.length, 3 + EXTRA_EVENTS);
      assert.equal(doc.consents.record.length, 1);
      assert.equal(doc.consents.record[0].ip, '192.0.2.7');

      // The CSVs parse; events.csv has a header and one line per event, JSON cells intact.
      const events = parseCsv(text.get('events.csv')!);
      assert.deepEqual(events[0]!.slice(0, 3), ['id', 'type', 'event']);
      assert.equal(events.length, 1 + 3 + EXTRA_EVENTS);
      const propsCol = events[0]!.indexOf('properties');
      const order = events.find((r) => r[2] === 'Order Completed')!;
      assert.deepEqual(JSON.parse(order[propsCol]!), { note: 'EVPROP-ada7', total: 12 });
      // A kind of several sections says which one each line is.
      const stages = parseCsv(text.get('stages.csv')!);
      assert.equal(stages[0]![0], 'record');
      assert.deepEqual(
        stages
          .slice(1)
          .map((r) => r[0])
          .sort(),
        ['current', 'transition'],
      );

      if (hasUnzip) {
        const dir = mkdtempSync(join(tmpdir(), 'export-'));
        try {
          writeFileSync(join(dir, 'x.zip'), buf);
          const t = spawnSync('unzip', ['-t', join(dir, 'x.zip')], { encoding: 'utf8' });
          assert.equal(t.status, 0, t.stdout + t.stderr);
          assert.match(t.stdout, /No errors detected in compressed data/);
          const p = spawnSync('unzip', ['-p', join(dir, 'x.zip'), 'tasks.csv'], { encoding: 'utf8' });
          assert.match(p.stdout, /TASKTITLE-ada7/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    it('an unknown person is 404 with a code; the export needs the admin key', async () => {
      const r = await http(`${server.url}/api/customers/nobody/export`, { auth: admin });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'not_found');
      assert.equal((await http(`${server.url}/api/customers/user-ada7/export`)).status, 401);
    });
  });
}
