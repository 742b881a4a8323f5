/**
 * A cross-cell merge's follow-up in the scaling simulation: the anonymous history a device
 * left in its first cell, before it identified as a customer who lives in another cell,
 * is moved to the customer's cell through the log, and erased from the first one.
 *
 * For each directory row with `moved_from_cell`: the profile the anonymousId names in the
 * old cell (privacy/erase.ts `customersNamed`), its own events (not Tenure's, which the new
 * cell derives again) read back as Segment calls (the stored messageId kept), published on
 * the canonical cell's subject with msgID `<messageId>@rehome` (the original msgID may
 * still be inside the stream's duplicate window, where JetStream would drop it), ingested
 * there by that cell's consumer (its messageId dedupe makes a repeated move harmless), and
 * only then erased from the old cell (privacy's erasure plan, without suppression).
 */
import type { JetStreamClient } from 'nats';
import type { Db } from '../../src/server/db/client.js';
import { customersNamed, erasePerson, subjectOf } from '../../src/server/privacy/erase.js';
import { ERASURE_PLAN, type ErasureSubject } from '../../src/server/privacy/erase-plan.js';
import type { SimCall } from './scaling-traffic.js';

export interface RehomePlan {
  fromCell: number;
  toCell: number;
  customerId: number;
}

/** Publish the old cells' anonymous histories to their customers' cells; returns what to erase once they are ingested. */
export async function publishRehomes(
  dir: Db,
  cells: Db[],
  js: JetStreamClient,
  ws: number,
  cellOfBucket: (ws: number, bucket: number) => number,
  subject: (cell: number) => string,
): Promise<{ plans: RehomePlan[]; events: number; perCell: number[] }> {
  const { rows } = await dir.query<{ value: string; bucket: number; moved_from_cell: number }>(
    `SELECT value, bucket, moved_from_cell FROM identity_homes WHERE workspace_id = $1 AND kind = 'anonymous_id' AND moved_from_cell IS NOT NULL`,
    [ws],
  );
  const plans: RehomePlan[] = [];
  const perCell = cells.map(() => 0);
  let events = 0;
  const acks: Promise<unknown>[] = [];
  for (const r of rows) {
    const from = cells[r.moved_from_cell]!;
    const toCell = cellOfBucket(ws, r.bucket);
    for (const customerId of await customersNamed(from, ws, 'ANONYMOUS_ID', r.value)) {
      const evs = await from.query<{
        message_id: string;
        type: SimCall['type'];
        event: string | null;
        user_id: string | null;
        anonymous_id: string | null;
        timestamp: Date;
        properties: Record<string, unknown>;
        traits: Record<string, unknown> | null;
        context: Record<string, unknown>;
      }>(
        `SELECT message_id, type, event, user_id, anonymous_id, timestamp, properties, traits, context FROM events WHERE workspace_id = $1 AND customer_id = $2 AND type <> 'tenure' ORDER BY timestamp, id`,
        [ws, customerId],
      );
      for (const e of evs.rows) {
        const call: Record<string, unknown> = { messageId: e.message_id, timestamp: e.timestamp.toISOString(), properties: e.properties, context: e.context };
        if (e.user_id) call.userId = e.user_id;
        if (e.anonymous_id) call.anonymousId = e.anonymous_id;
        if (e.type === 'track') call.event = e.event;
        else if (e.event) call.name = e.event;
        if (e.traits) call.traits = e.traits;
        acks.push(js.publish(subject(toCell), JSON.stringify({ ws, type: e.type, call } satisfies SimCall), { msgID: `${e.message_id}@rehome` }));
        events++;
        perCell[toCell]!++;
      }
      plans.push({ fromCell: r.moved_from_cell, toCell, customerId });
    }
  }
  await Promise.all(acks);
  return { plans, events, perCell };
}

/**
 * Erase the moved profiles from their old cells (after the new cells committed them): the
 * first `onePerPerson` with `erasePerson` (one transaction per person, as a privacy request
 * runs), the rest with the same erasure plan run once per chunk of `chunk` people (their
 * subjects' ids and identifiers together, one transaction). Returns the time of each way.
 */
export async function eraseMoved(
  cells: Db[],
  ws: number,
  plans: RehomePlan[],
  onePerPerson = 50,
  chunk = 200,
): Promise<{ single: { people: number; ms: number }; chunked: { people: number; ms: number } }> {
  const t0 = performance.now();
  const single = plans.slice(0, onePerPerson);
  for (const p of single) await erasePerson(cells[p.fromCell]!, ws, p.customerId, { suppress: false, requestId: null });
  const t1 = performance.now();
  const rest = plans.slice(onePerPerson);
  for (let c = 0; c < cells.length; c++) {
    const mine = rest.filter((p) => p.fromCell === c).map((p) => p.customerId);
    for (let i = 0; i < mine.length; i += chunk) {
      await cells[c]!.transaction(async (tx) => {
        const subjects: ErasureSubject[] = [];
        for (const id of mine.slice(i, i + chunk)) subjects.push(await subjectOf(tx, ws, id));
        const all: ErasureSubject = { workspaceId: ws, customerIds: [], userIds: [], anonymousIds: [], emails: [], phones: [] };
        for (const s of subjects) for (const k of ['customerIds', 'userIds', 'anonymousIds', 'emails', 'phones'] as const) (all[k] as Array<number | string>).push(...s[k]);
        for (const step of Object.values(ERASURE_PLAN)) await step.run(tx, all);
      });
    }
  }
  return { single: { people: single.length, ms: t1 - t0 }, chunked: { people: rest.length, ms: performance.now() - t1 } };
}
