/**
 * A person with data in every table of the erasure plan, for the erasure tests. The real paths
 * where they are practical (ingestion with identities, a merge, traits; the KPI facts sync; the
 * loyalty ledger's earn, redeem and transfer), direct rows elsewhere (a generic insert that
 * fills each NOT NULL column the table has with a value of its type).
 */
import type { Db, Queryable } from '../server/db/client.js';
import { ingestEvents } from '../server/ingest/ingest.service.js';
import { normalizeCall } from '../server/ingest/normalize.js';
import type { CallType } from '../contracts/segment.js';
import { syncFacts } from '../server/analytics/facts.js';
import * as ledger from '../server/loyalty/ledger.js';

export interface PlantedPerson {
  userId: string;
  anonymousIds: string[];
  email: string;
  phone: string;
  /** Their customer id and the one merged into it. */
  customerIds: number[];
  customerId: number;
}

let seq = 0;

export async function ingest(db: Db, workspaceId: number, type: CallType, raw: Record<string, unknown>) {
  const r = normalizeCall({ messageId: `pf-${process.pid}-${seq++}`, timestamp: new Date(Date.now() - 3_600_000).toISOString(), ...raw }, type, { receivedAt: new Date(), bodyBytes: 500 }, 0, '');
  if (!r.ok) throw new Error(r.message);
  return ingestEvents(db, workspaceId, [r.value], { derivedWork: true });
}

/** Insert one row, filling the NOT NULL columns without a default that `values` leaves out. */
export async function insertRow(db: Queryable, table: string, values: Record<string, unknown>): Promise<void> {
  const { rows } = await db.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  const v: Record<string, unknown> = { ...values };
  for (const c of rows) {
    if (c.column_name in v || c.is_nullable === 'YES' || c.column_default !== null) continue;
    v[c.column_name] = fill(c.data_type, seq++);
  }
  const cols = Object.keys(v);
  await db.query(
    `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
    cols.map((k) => (isJson(v[k]) ? JSON.stringify(v[k]) : v[k])),
  );
}

function isJson(x: unknown): boolean {
  return x !== null && typeof x === 'object' && !(x instanceof Date) && !Array.isArray(x);
}

function fill(type: string, n: number): unknown {
  if (type === 'integer' || type === 'bigint' || type === 'smallint') return n + 1;
  if (type === 'numeric' || type === 'double precision' || type === 'real') return 1;
  if (type === 'boolean') return false;
  if (type === 'jsonb' || type === 'json') return {};
  if (type.startsWith('timestamp')) return new Date();
  if (type === 'date') return '2026-01-01';
  if (type === 'ARRAY') return [];
  return `f${n}`;
}

/**
 * Plant a person: anonymous browsing on two devices, one merged into their known profile by an
 * identify, traits with email and phone, orders; KPI facts synced; loyalty earned, redeemed and
 * transferred to `friendId` (when given); and a row in every other table of the plan.
 */
export async function plantPerson(db: Db, workspaceId: number, tag: string, friendId?: number): Promise<PlantedPerson> {
  const userId = `${tag}-user-7f3a91`;
  const anonymousIds = [`${tag}-anon-1c9e`, `${tag}-anon-2d7b`];
  const email = `${tag}.person@example.test`;
  const phone = `+44 7700 9${[...tag]
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7)
    .toString()
    .padStart(3, '0')}23`;
  // Device 1 browses anonymously; the person signs up on device 2; then device 1 identifies: a merge.
  await ingest(db, workspaceId, 'page', { anonymousId: anonymousIds[0], name: 'Home', properties: { url: `https://shop.test/?ref=${userId}` } });
  await ingest(db, workspaceId, 'identify', { userId, anonymousId: anonymousIds[1], traits: { email, phone, name: `${tag} Person` } });
  await ingest(db, workspaceId, 'track', { userId, event: 'Signed Up' });
  await ingest(db, workspaceId, 'track', { userId, event: 'Order Completed', properties: { order_id: `${tag}-o1`, revenue: 40, products: [{ product_id: 'p1' }] } });
  await ingest(db, workspaceId, 'identify', { userId, anonymousId: anonymousIds[0], traits: { email } });
  const ids = await db.query<{ customer_id: string | number }>(`SELECT DISTINCT customer_id FROM identities WHERE workspace_id = $1 AND value = ANY($2::text[])`, [
    workspaceId,
    [userId, ...anonymousIds],
  ]);
  if (ids.rows.length !== 1) throw new Error(`expected one customer after the merge, found ${ids.rows.length}`);
  const customerId = Number(ids.rows[0]!.customer_id);
  const merged = await db.query<{ from_customer_id: string | number }>(`SELECT from_customer_id FROM customer_merges WHERE workspace_id = $1 AND into_customer_id = $2`, [workspaceId, customerId]);
  if (merged.rows.length === 0) throw new Error('expected a merge into the person');
  const customerIds = [customerId, ...merged.rows.map((r) => Number(r.from_customer_id))];
  await syncFacts(db);

  // Loyalty through the ledger.
  const at = new Date();
  const k = (s: string) => `${tag}-${s}`;
  const must = <T>(r: { ok: boolean; value?: T; message?: string }) => {
    if (!r.ok) throw new Error(r.message);
    return r.value as T;
  };
  must(await ledger.earn(db, { workspaceId, customerId, at, key: k('earn'), points: 100, expiresAt: null, orderId: `${tag}-o1` }));
  must(await ledger.redeem(db, { workspaceId, customerId, at, key: k('redeem'), points: 10 }));
  if (friendId !== undefined) must(await ledger.transfer(db, { workspaceId, fromCustomerId: customerId, toCustomerId: friendId, at, key: k('transfer'), points: 5 }));
  await insertRow(db, 'loyalty_members', { workspace_id: workspaceId, customer_id: customerId, status: 'member', joined_at: at });
  await insertRow(db, 'loyalty_redemptions', {
    workspace_id: workspaceId,
    customer_id: customerId,
    reward_id: 'r1',
    idempotency_key: k('red'),
    points: 10,
    channel: 'api',
    created_at: at,
    updated_at: at,
  });
  await insertRow(db, 'loyalty_tier_changes', { workspace_id: workspaceId, customer_id: customerId, to_tier: 'gold', at, reason: 'earned' });
  const code = `${tag.toUpperCase()}CODE`;
  await insertRow(db, 'referral_codes', { workspace_id: workspaceId, code, customer_id: customerId });
  await insertRow(db, 'referral_clicks', { workspace_id: workspaceId, code, at, ip: '203.0.113.9', user_agent: `agent of ${userId}` });
  await insertRow(db, 'referrals', { workspace_id: workspaceId, code, advocate_id: customerId, friend_id: customerIds[1], via: 'link', attributed_at: at, evidence: { anonymousId: anonymousIds[0] } });

  // Journeys, messages, tasks, surveys, consents.
  await insertRow(db, 'journey_runs', { workspace_id: workspaceId, journey_id: 'j1', version: 1, customer_id: customerId, status: 'waiting', state: { email } });
  const run = await db.query<{ id: string | number }>(`SELECT id FROM journey_runs WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  const runId = Number(run.rows[0]!.id);
  await insertRow(db, 'journey_signals', { run_id: runId, event: { userId } });
  await insertRow(db, 'messages', {
    workspace_id: workspaceId,
    customer_id: customerId,
    run_id: runId,
    channel: 'email',
    idempotency_key: k('msg'),
    to_address: email,
    subject: `Hello ${tag}`,
    body_text: `Hi ${email}`,
  });
  await insertRow(db, 'tasks', { workspace_id: workspaceId, customer_id: customerId, idempotency_key: k('task'), title: `Call ${tag}`, subject_key: `customer:${customerId}` });
  const task = await db.query<{ id: string | number }>(`SELECT id FROM tasks WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  await insertRow(db, 'task_notifications', { task_id: Number(task.rows[0]!.id), user_id: 1 });
  await insertRow(db, 'survey_invitations', {
    workspace_id: workspaceId,
    survey_id: 's1',
    version: 1,
    type: 'nps',
    customer_id: customerId,
    channel: 'email',
    source: 'api',
    idempotency_key: k('inv'),
  });
  await insertRow(db, 'survey_responses', { workspace_id: workspaceId, survey_id: 's1', version: 1, type: 'nps', customer_id: customerId, channel: 'email', score: 9, comment: `I am ${email}` });
  await insertRow(db, 'consents', { workspace_id: workspaceId, customer_id: customerId, group_id: 'news', subscribed: true, source: 'api' });
  await insertRow(db, 'consent_records', { workspace_id: workspaceId, customer_id: customerId, group_id: 'news', subscribed: true, source: 'preference_page', ip: '198.51.100.7', context: { email } });
  await insertRow(db, 'suppressions', { workspace_id: workspaceId, channel: 'email', address: email, reason: 'bounce' });

  // Stages, segments, scores, predictions, health, accounts.
  await insertRow(db, 'stage_states', { workspace_id: workspaceId, scope: 'customer', subject_id: customerId, stage: 'new', since: at });
  await insertRow(db, 'stage_transitions', { workspace_id: workspaceId, scope: 'customer', subject_id: customerId, to_stage: 'new', at });
  await insertRow(db, 'segment_members', { workspace_id: workspaceId, segment_id: 'seg1', customer_id: customerId });
  await insertRow(db, 'segment_history', { workspace_id: workspaceId, segment_id: 'seg1', customer_id: customerId, entered_at: at });
  await insertRow(db, 'customer_scores', { workspace_id: workspaceId, customer_id: customerId, name: 'nps', value: 9 });
  await insertRow(db, 'customer_predictions', { workspace_id: workspaceId, customer_id: customerId, kind: 'churn' });
  await insertRow(db, 'customer_recommendations', { workspace_id: workspaceId, customer_id: customerId, rank: 1, product_id: 'p2' });
  await insertRow(db, 'health_scores', { workspace_id: workspaceId, scope: 'customer', subject_id: customerId, score: 50, band: 'ok' });
  await insertRow(db, 'health_history', { workspace_id: workspaceId, scope: 'customer', subject_id: customerId, score: 50, band: 'ok', at });
  await insertRow(db, 'account_members', { workspace_id: workspaceId, account_id: 1, customer_id: customerId });

  // Support, helpdesk, imports.
  await insertRow(db, 'support_tickets', { workspace_id: workspaceId, connection_id: 'zd', ticket_id: k('t1'), customer_id: customerId, requester_email: email, created_at: at });
  await insertRow(db, 'helpdesk_deliveries', { workspace_id: workspaceId, connection_id: 'zd', delivery_id: k('d1'), status: 'done', payload: { requester: { email } }, customer_id: customerId });
  await insertRow(db, 'imports', { workspace_id: workspaceId, kind: 'events', file_name: 'people.csv', status: 'done' });
  const imp = await db.query<{ id: string | number }>(`SELECT max(id) AS id FROM imports WHERE workspace_id = $1`, [workspaceId]);
  await insertRow(db, 'import_rejections', { import_id: Number(imp.rows[0]!.id), line: 7, field: 'email', message: `"${email}" is a duplicate` });

  // Work still queued for them (the derived-work worker is not running here).
  await insertRow(db, 'derived_work', { workspace_id: workspaceId, kind: 'stage', scope: 'customer', subject_ids: customerIds });
  return { userId, anonymousIds, email, phone, customerIds, customerId };
}
