/**
 * The timeline writer on both databases: the messageIds it stores (and that its SQL
 * builder computes) are the ones the writers produced before, a second write of the same
 * events is skipped, and the properties, times, userId and context land as written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { EV } from '../../contracts/events.js';
import { epochMsSql, timelineId, timelineIdSql } from './timeline-id.js';
import { copyTimeline, writeTimeline, type TimelineEvent } from './timeline-writer.js';

const AT = new Date('2026-03-01T12:34:56.789Z');
const LATER = new Date('2026-03-02T08:00:00.001Z');

let seq = 0;
function signUp(userId: string): NormalizedEvent {
  const r = normalizeCall({ messageId: `tl-${seq++}`, userId, event: EV.signedUp, timestamp: AT.toISOString() }, 'track', { receivedAt: AT, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

interface Row {
  message_id: string;
  type: string;
  event: string;
  user_id: string | null;
  timestamp: string;
  received_at: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

async function stored(db: Db, ws: number): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `SELECT message_id, type, event, user_id, to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS timestamp,
            to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at, properties, context
       FROM events WHERE workspace_id = $1 AND message_id LIKE 'tenure:%' ORDER BY message_id`,
    [ws],
  );
  return rows;
}

for (const target of dbTargets()) {
  describe(`timeline writer (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let amy: number;
    let bo: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'timeline')).workspace.id;
      await ingestEvents(db, ws, [signUp('amy'), signUp('bo')]);
      const { rows } = await db.query<{ id: number; user_id: string }>(`SELECT id::int, user_id FROM customers WHERE workspace_id = $1`, [ws]);
      const id = (u: string) => rows.find((r) => r.user_id === u)!.id;
      [amy, bo] = [id('amy'), id('bo')];
    });
    after(() => db.close());

    it('the SQL messageIds are the ones the set-based writers built before, and the same as timelineId', async () => {
      const ms = AT.getTime();
      const { rows } = await db.query<Record<string, string>>(
        `SELECT 'tenure:segment:' || $1::text || ':' || $2::bigint || ':' || (extract(epoch FROM $3::timestamptz) * 1000)::bigint || ':' || $4::text AS segment_before,
                ${timelineIdSql('segment', { segment: '$1::text', customer: '$2::bigint', ms: epochMsSql('$3::timestamptz'), dir: '$4::text' })} AS segment,
                'tenure:stage:' || $2::bigint || ':' || (extract(epoch FROM $3::timestamptz) * 1000)::bigint || ':' || $5::text AS stage_before,
                ${timelineIdSql('stage', { subject: '$2::bigint', ms: epochMsSql('$3::timestamptz'), to: '$5::text' })} AS stage,
                'tenure:health:' || $2::bigint || ':' || (extract(epoch FROM $3::timestamptz) * 1000)::bigint AS health_before,
                ${timelineIdSql('health', { customer: '$2::bigint', ms: epochMsSql('$3::timestamptz') })} AS health,
                'tenure:message:' || $6::bigint || ':' || $7::text AS message_before,
                ${timelineIdSql('message', { message: '$6::bigint', what: '$7::text' })} AS message`,
        ['rfm_champions', amy, AT.toISOString(), 'entered', 'at_risk', 9001, EV.emailDelivered],
      );
      const r = rows[0]!;
      const js = {
        segment: timelineId({ kind: 'segment', segment: 'rfm_champions', customer: amy, ms, dir: 'entered' }),
        stage: timelineId({ kind: 'stage', subject: amy, ms, to: 'at_risk' }),
        health: timelineId({ kind: 'health', customer: amy, ms }),
        message: timelineId({ kind: 'message', message: 9001, what: EV.emailDelivered }),
      };
      for (const k of ['segment', 'stage', 'health', 'message'] as const) {
        assert.equal(r[k], r[`${k}_before`], k);
        assert.equal(r[k], js[k], k);
      }
      assert.equal(js.segment, `tenure:segment:rfm_champions:${amy}:1772368496789:entered`);
    });

    it('writes each event once, with its properties, time, the customer’s userId and Tenure’s context', async () => {
      const rows: TimelineEvent[] = [
        { workspaceId: ws, customerId: amy, event: EV.journeyEntered, properties: { journeyId: 'j1', journeyName: 'Welcome', version: 3 }, at: AT, key: { kind: 'journey', run: 17, what: 'entered' } },
        {
          workspaceId: ws,
          customerId: bo,
          event: EV.emailOpened,
          properties: { messageId: 5, channel: 'email', journeyId: null },
          at: LATER,
          type: 'track',
          key: { kind: 'message', message: 5, what: EV.emailOpened },
        },
        // A customer who does not exist (merged away): skipped.
        {
          workspaceId: ws,
          customerId: 999_999_999,
          event: EV.journeyEnded,
          properties: { journeyId: 'j1', journeyName: 'Welcome', outcome: 'completed' },
          at: AT,
          key: { kind: 'journey', run: 18, what: 'ended' },
        },
      ];
      assert.equal(await writeTimeline(db, rows), 2);
      assert.deepEqual(await stored(db, ws), [
        {
          message_id: 'tenure:journey:17:entered',
          type: 'tenure',
          event: 'Journey Entered',
          user_id: 'amy',
          timestamp: AT.toISOString(),
          received_at: AT.toISOString(),
          properties: { journeyId: 'j1', journeyName: 'Welcome', version: 3 },
          context: { library: { name: 'tenure' } },
        },
        {
          message_id: 'tenure:message:5:Email Opened',
          type: 'track',
          event: 'Email Opened',
          user_id: 'bo',
          timestamp: LATER.toISOString(),
          received_at: LATER.toISOString(),
          properties: { messageId: 5, channel: 'email', journeyId: null },
          context: { library: { name: 'tenure' } },
        },
      ]);
      // The same events again (a retried batch): nothing new, nothing changed.
      const changed = { ...rows[0]!, properties: { journeyId: 'j1', journeyName: 'Renamed', version: 4 } } as TimelineEvent;
      assert.equal(await writeTimeline(db, [changed, rows[1]!]), 0);
      assert.equal((await stored(db, ws)).length, 2);
      assert.equal((await stored(db, ws))[0]!.properties.journeyName, 'Welcome');
    });

    it('with derivedWork, records the stage and segment work of the customers written, in the same statement', async () => {
      await db.query(`DELETE FROM derived_work WHERE workspace_id = $1`, [ws]);
      const click: TimelineEvent = {
        workspaceId: ws,
        customerId: amy,
        event: EV.emailLinkClicked,
        properties: { messageId: 6, url: 'https://x.example/' },
        at: AT,
        type: 'track',
        key: { kind: 'message', message: 6, what: 'click:https://x.example/' },
      };
      assert.equal(await writeTimeline(db, [click], { derivedWork: ['stage', 'segment'] }), 1);
      const work = async () => (await db.query<{ kind: string; subject_ids: number[] }>(`SELECT kind, subject_ids FROM derived_work WHERE workspace_id = $1 ORDER BY kind`, [ws])).rows;
      assert.deepEqual(
        (await work()).map((r) => [r.kind, r.subject_ids.map(Number)]),
        [
          ['segment', [amy]],
          ['stage', [amy]],
        ],
      );
      assert.equal(await writeTimeline(db, [click], { derivedWork: ['stage', 'segment'] }), 0);
      assert.equal((await work()).length, 2);
      assert.ok((await stored(db, ws)).some((r) => r.message_id === 'tenure:message:6:click:https://x.example/'));
    });

    it('COPY path: stores the given userId and time received, and ids as the stage writer built them', async () => {
      await db.transaction((tx) =>
        copyTimeline(tx, [
          {
            workspaceId: ws,
            customerId: bo,
            userId: 'bo',
            event: EV.stageChanged,
            properties: { from: 'new', to: 'active', pattern: 'progression', reason: 'Ordered\tthen "quoted" \\ back', model: 'Default', triggerMessageId: null },
            at: AT,
            receivedAt: LATER,
            key: { kind: 'stage', subject: bo, ms: AT.getTime(), to: 'active' },
          },
        ]),
      );
      const row = (await stored(db, ws)).find((r) => r.event === EV.stageChanged)!;
      assert.equal(row.message_id, `tenure:stage:${bo}:${AT.getTime()}:active`);
      assert.equal(row.type, 'tenure');
      assert.equal(row.user_id, 'bo');
      assert.equal(row.timestamp, AT.toISOString());
      assert.equal(row.received_at, LATER.toISOString());
      assert.equal(row.properties.reason, 'Ordered\tthen "quoted" \\ back');
      assert.deepEqual(row.context, { library: { name: 'tenure' } });
    });
  });
}
