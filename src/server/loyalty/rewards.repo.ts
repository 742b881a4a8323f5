import type { Queryable } from '../db/client.js';
import type { Row, RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { RewardInput, type RedemptionView, type RewardView } from '../../contracts/loyalty.js';

/**
 * The rewards catalogue (loyalty_rewards: the definition is the RewardInput as saved, its
 * `active` copied to a column) and the discount-code pools (loyalty_reward_codes: a code is
 * free until a redemption takes it). A reward is never deleted: it is deactivated, so past
 * redemptions keep naming it.
 */

/** Most lines in one pool upload. */
export const POOL_MAX_LINES = 100_000;
/** Largest pool upload (bytes). */
export const POOL_MAX_BYTES = 2 * 1024 * 1024;
/** Longest code in a pool. */
export const POOL_MAX_CODE = 64;

type RewardRow = RowPick<typeof schema.loyaltyRewards, 'id' | 'definition' | 'active'> & { codes_left: number | null; redeemed: number };

const VIEW_SQL = `SELECT r.id, r.definition, r.active,
  CASE WHEN r.definition #>> '{codes,source}' = 'pool'
    THEN (SELECT count(*) FROM loyalty_reward_codes k WHERE k.workspace_id = r.workspace_id AND k.reward_id = r.id AND k.redemption_id IS NULL) END AS codes_left,
  (SELECT count(*) FROM loyalty_redemptions d WHERE d.workspace_id = r.workspace_id AND d.reward_id = r.id AND d.status IN ('issued', 'used')) AS redeemed
  FROM loyalty_rewards r`;

function viewOf(r: RewardRow): RewardView {
  const def = RewardInput.parse(r.definition);
  return { ...def, active: r.active, codesLeft: r.codes_left === null ? null : Number(r.codes_left), redeemed: Number(r.redeemed) };
}

/** Every reward of the workspace, active first, then by cost. */
export async function listRewards(db: Queryable, workspaceId: number): Promise<RewardView[]> {
  const { rows } = await db.query<RewardRow>(`${VIEW_SQL} WHERE r.workspace_id = $1 ORDER BY r.active DESC, (r.definition->>'cost')::numeric, r.id`, [workspaceId]);
  return rows.map(viewOf);
}

/** One reward with its codes left and times redeemed, or null. */
export async function getRewardView(db: Queryable, workspaceId: number, id: string): Promise<RewardView | null> {
  const { rows } = await db.query<RewardRow>(`${VIEW_SQL} WHERE r.workspace_id = $1 AND r.id = $2`, [workspaceId, id]);
  return rows[0] ? viewOf(rows[0]) : null;
}

/** One reward's definition (as saved), or null. */
export async function getReward(db: Queryable, workspaceId: number, id: string): Promise<RewardInput | null> {
  const { rows } = await db.query<RowPick<typeof schema.loyaltyRewards, 'definition' | 'active'>>(`SELECT definition, active FROM loyalty_rewards WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
  ]);
  return rows[0] ? { ...RewardInput.parse(rows[0].definition), active: rows[0].active } : null;
}

/** A reward's definition must hang together: codes only for discount codes, a product for a free product. */
export function checkReward(r: RewardInput): Result<void, Failure<'validation_failed'> & { field: string }> {
  if (r.kind === 'discount_code' && !r.codes) return fail('validation_failed', 'a discount_code reward needs `codes`: from an uploaded pool or generated', { field: 'codes' });
  if (r.kind !== 'discount_code' && r.codes) return fail('validation_failed', `\`codes\` are for discount_code rewards, not ${r.kind}`, { field: 'codes' });
  if (r.kind === 'free_product' && !r.productId) return fail('validation_failed', 'a free_product reward needs its `productId`', { field: 'productId' });
  return ok();
}

/** Add a reward to the catalogue (conflict: the id is taken). */
export async function createReward(db: Queryable, workspaceId: number, input: RewardInput, now: Date): Promise<Result<RewardView, Failure<'conflict'>>> {
  const { rowCount } = await db.query(`INSERT INTO loyalty_rewards (workspace_id, id, definition, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`, [
    workspaceId,
    input.id,
    JSON.stringify(input),
    input.active,
    now,
  ]);
  if (rowCount === 0) return fail('conflict', `a reward "${input.id}" exists already: change it with PUT /api/loyalty/rewards/${input.id}`);
  return ok((await getRewardView(db, workspaceId, input.id))!);
}

/** Replace a reward's definition (its id stays; codes already uploaded stay). */
export async function updateReward(db: Queryable, workspaceId: number, id: string, input: RewardInput, now: Date): Promise<Result<RewardView, Failure<'not_found'>>> {
  const def = { ...input, id };
  const { rowCount } = await db.query(`UPDATE loyalty_rewards SET definition = $3, active = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
    JSON.stringify(def),
    def.active,
    now,
  ]);
  if (rowCount === 0) return fail('not_found', `no reward "${id}"`);
  return ok((await getRewardView(db, workspaceId, id))!);
}

/** What a pool upload held: its codes (trimmed, each once), and what was skipped. */
export interface ParsedPool {
  codes: string[];
  blanks: number;
  /** Lines repeating a code earlier in the same upload. */
  duplicates: number;
}

/**
 * Read a pool upload: one code per line (`\n` or `\r\n`), trimmed; blank lines and repeats
 * skipped and counted. Refused: over POOL_MAX_BYTES or POOL_MAX_LINES, a line over
 * POOL_MAX_CODE characters or with a control character (named by its line number).
 */
export function parseCodePool(text: string): Result<ParsedPool, (Failure<'validation_failed'> & { field: string }) | Failure<'upload_too_large'>> {
  if (Buffer.byteLength(text, 'utf8') > POOL_MAX_BYTES) return fail('upload_too_large', `the code list is over ${POOL_MAX_BYTES / 1024 / 1024} MB: upload it in parts`);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > POOL_MAX_LINES) return fail('upload_too_large', `the code list has ${lines.length} lines, over ${POOL_MAX_LINES}: upload it in parts`);
  const seen = new Set<string>();
  let blanks = 0;
  let duplicates = 0;
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i]!.trim();
    if (code === '') {
      blanks++;
      continue;
    }
    if ([...code].length > POOL_MAX_CODE)
      return fail('validation_failed', `line ${i + 1}: a code is at most ${POOL_MAX_CODE} characters (this one has ${[...code].length})`, { field: `line ${i + 1}` });
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(code)) return fail('validation_failed', `line ${i + 1}: a code must not hold control characters (a tab?)`, { field: `line ${i + 1}` });
    if (seen.has(code)) duplicates++;
    else seen.add(code);
  }
  return ok({ codes: [...seen], blanks, duplicates });
}

/** Add codes to a reward's pool; codes already in it are skipped and counted. Returns what was added and the free codes now. */
export async function addPoolCodes(db: Queryable, workspaceId: number, rewardId: string, codes: string[], now: Date): Promise<{ added: number; alreadyInPool: number; codesLeft: number }> {
  let added = 0;
  for (let i = 0; i < codes.length; i += 5_000) {
    const part = codes.slice(i, i + 5_000);
    const { rowCount } = await db.query(`INSERT INTO loyalty_reward_codes (workspace_id, reward_id, code, uploaded_at) SELECT $1, $2, c, $4 FROM unnest($3::text[]) AS c ON CONFLICT DO NOTHING`, [
      workspaceId,
      rewardId,
      part,
      now,
    ]);
    added += rowCount;
  }
  return { added, alreadyInPool: codes.length - added, codesLeft: await codesLeft(db, workspaceId, rewardId) };
}

/** Free codes in a reward's pool. */
export async function codesLeft(db: Queryable, workspaceId: number, rewardId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM loyalty_reward_codes WHERE workspace_id = $1 AND reward_id = $2 AND redemption_id IS NULL`, [workspaceId, rewardId]);
  return Number(rows[0]!.n);
}

/** Take one free code of the pool for a redemption (skipping codes another transaction is taking); null: none left. */
export async function takePoolCode(tx: Queryable, workspaceId: number, rewardId: string): Promise<string | null> {
  const { rows } = await tx.query<{ code: string }>(
    `SELECT code FROM loyalty_reward_codes WHERE workspace_id = $1 AND reward_id = $2 AND redemption_id IS NULL ORDER BY uploaded_at, code LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [workspaceId, rewardId],
  );
  return rows[0]?.code ?? null;
}

/** Mark a pool code as handed out to a redemption. */
export async function assignPoolCode(tx: Queryable, workspaceId: number, rewardId: string, code: string, redemptionId: number): Promise<void> {
  await tx.query(`UPDATE loyalty_reward_codes SET redemption_id = $4 WHERE workspace_id = $1 AND reward_id = $2 AND code = $3`, [workspaceId, rewardId, code, redemptionId]);
}

export type RedemptionRow = Row<typeof schema.loyaltyRedemptions>;

const REDEMPTION_COLS = `id, workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, code, status, channel, referral_id, created_at, updated_at`;

/** The redemption made with an idempotency key, or null. */
export async function findRedemptionByKey(tx: Queryable, workspaceId: number, key: string): Promise<RedemptionRow | null> {
  const { rows } = await tx.query<RedemptionRow>(`SELECT ${REDEMPTION_COLS} FROM loyalty_redemptions WHERE workspace_id = $1 AND idempotency_key = $2`, [workspaceId, key]);
  return rows[0] ?? null;
}

/** One redemption (locked for update with `lock`), or null. */
export async function getRedemption(tx: Queryable, workspaceId: number, id: number, lock = false): Promise<RedemptionRow | null> {
  const { rows } = await tx.query<RedemptionRow>(`SELECT ${REDEMPTION_COLS} FROM loyalty_redemptions WHERE workspace_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [workspaceId, id]);
  return rows[0] ?? null;
}

/** How many of a reward the member holds (issued or used: cancelled and clawed-back ones do not count against the limit). */
export async function countMemberRedemptions(tx: Queryable, workspaceId: number, customerId: number, rewardId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM loyalty_redemptions WHERE workspace_id = $1 AND customer_id = $2 AND reward_id = $3 AND status IN ('issued', 'used')`, [
    workspaceId,
    customerId,
    rewardId,
  ]);
  return Number(rows[0]!.n);
}

/** Whether a code was handed out before (generated codes are unique per workspace). */
export async function codeTaken(tx: Queryable, workspaceId: number, code: string): Promise<boolean> {
  const { rows } = await tx.query(`SELECT 1 FROM loyalty_redemptions WHERE workspace_id = $1 AND code = $2 LIMIT 1`, [workspaceId, code]);
  return rows.length > 0;
}

/** Set a redemption's status. */
export async function setRedemptionStatus(tx: Queryable, workspaceId: number, id: number, status: RedemptionRow['status'], now: Date): Promise<void> {
  await tx.query(`UPDATE loyalty_redemptions SET status = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`, [workspaceId, id, status, now]);
}

type RedemptionViewRow = RedemptionRow & { user_id: string | null; reward_name: string | null };

/** A redemption row as the API shows it. */
export function redemptionView(r: RedemptionViewRow): RedemptionView {
  return {
    id: r.id,
    customerId: r.customer_id,
    userId: r.user_id,
    rewardId: r.reward_id,
    rewardName: r.reward_name ?? r.reward_id,
    points: r.points,
    code: r.code,
    status: r.status,
    channel: r.channel,
    createdAt: r.created_at.toISOString(),
  };
}

/** Redemptions, newest first: of one customer, or of given ids, or the workspace's latest. */
export async function listRedemptionViews(db: Queryable, workspaceId: number, opts: { customerId?: number; ids?: number[]; limit?: number } = {}): Promise<RedemptionView[]> {
  const where = ['d.workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  if (opts.customerId !== undefined) {
    params.push(opts.customerId);
    where.push(`d.customer_id = $${params.length}`);
  }
  if (opts.ids) {
    params.push(opts.ids);
    where.push(`d.id = ANY($${params.length}::bigint[])`);
  }
  params.push(opts.limit ?? 100);
  const { rows } = await db.query<RedemptionViewRow>(
    `SELECT d.${REDEMPTION_COLS.split(', ').join(', d.')}, c.user_id, w.definition->>'name' AS reward_name
       FROM loyalty_redemptions d
       LEFT JOIN customers c ON c.id = d.customer_id
       LEFT JOIN loyalty_rewards w ON w.workspace_id = d.workspace_id AND w.id = d.reward_id
      WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(redemptionView);
}
