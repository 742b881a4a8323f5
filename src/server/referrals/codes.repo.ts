/**
 * Advocates' codes: one generated code per advocate, made on demand; vanity codes beside it,
 * unique per workspace and not confusable with another (codes.ts codeSkeleton); a disabled
 * code attributes nobody.
 */
import { randomInt } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { canonicalCode, checkVanity, codeSkeleton, generateCode } from './codes.js';

export interface CodeRow {
  code: string;
  customerId: number;
  vanity: boolean;
  createdAt: Date;
  disabledAt: Date | null;
}

type Raw = { code: string; customer_id: number | string; vanity: boolean; created_at: Date; disabled_at: Date | null };
const toRow = (r: Raw): CodeRow => ({ code: r.code, customerId: Number(r.customer_id), vanity: r.vanity, createdAt: r.created_at, disabledAt: r.disabled_at });

/** SQL: the skeleton of a code column, as codeSkeleton computes it. */
const SKELETON_SQL = (col: string) => `translate(replace(upper(${col}), '-', ''), '01L582', 'OIISZB')`;

/** The advocate's generated code, made now when they have none (concurrent callers get the same one). */
export async function generatedCodeFor(db: Queryable, workspaceId: number, customerId: number): Promise<CodeRow> {
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.query<Raw>(
      `SELECT code, customer_id, vanity, created_at, disabled_at FROM referral_codes WHERE workspace_id = $1 AND customer_id = $2 AND NOT vanity AND disabled_at IS NULL ORDER BY created_at LIMIT 1`,
      [workspaceId, customerId],
    );
    if (rows[0]) return toRow(rows[0]);
    const code = generateCode((n) => randomInt(n));
    const ins = await db.query<Raw>(
      `INSERT INTO referral_codes (workspace_id, code, customer_id, vanity)
       SELECT $1, $2, $3, false
        WHERE NOT EXISTS (SELECT 1 FROM referral_codes WHERE workspace_id = $1 AND customer_id = $3 AND NOT vanity AND disabled_at IS NULL)
       ON CONFLICT DO NOTHING RETURNING code, customer_id, vanity, created_at, disabled_at`,
      [workspaceId, code, customerId],
    );
    if (ins.rows[0]) return toRow(ins.rows[0]);
    if (attempt > 5) throw new Error('could not allocate a referral code');
  }
}

/** Give the advocate a vanity code: `conflict` when it is taken or too like another code. */
export async function createVanityCode(
  db: Queryable,
  workspaceId: number,
  customerId: number,
  input: string,
): Promise<Result<CodeRow, { code: 'validation_failed' | 'conflict'; message: string; field?: string }>> {
  const checked = checkVanity(input);
  if (!checked.ok) return checked;
  const code = checked.value;
  const { rows: clash } = await db.query<{ code: string; customer_id: number }>(
    `SELECT code, customer_id FROM referral_codes WHERE workspace_id = $1 AND (code = $2 OR ${SKELETON_SQL('code')} = $3) LIMIT 1`,
    [workspaceId, code, codeSkeleton(code)],
  );
  if (clash[0]) {
    if (clash[0].code === code && Number(clash[0].customer_id) === customerId) {
      const { rows } = await db.query<Raw>(`SELECT code, customer_id, vanity, created_at, disabled_at FROM referral_codes WHERE workspace_id = $1 AND code = $2`, [workspaceId, code]);
      return ok(toRow(rows[0]!));
    }
    return fail(
      'conflict',
      clash[0].code === code ? `the code "${code}" is taken` : `"${code}" is too like the existing code "${clash[0].code}" (0/O, 1/I/L, 5/S, 2/Z, 8/B read alike); choose another`,
      {
        field: 'code',
      },
    );
  }
  const { rows } = await db.query<Raw>(
    `INSERT INTO referral_codes (workspace_id, code, customer_id, vanity) VALUES ($1, $2, $3, true)
     ON CONFLICT DO NOTHING RETURNING code, customer_id, vanity, created_at, disabled_at`,
    [workspaceId, code, customerId],
  );
  if (!rows[0]) return fail('conflict', `the code "${code}" is taken`, { field: 'code' });
  return ok(toRow(rows[0]));
}

/** A code that attributes: known in the workspace and not disabled (input canonicalised). */
export async function findActiveCode(db: Queryable, workspaceId: number, input: string): Promise<CodeRow | null> {
  const code = canonicalCode(input);
  if (code.length < 3 || code.length > 32) return null;
  const { rows } = await db.query<Raw>(`SELECT code, customer_id, vanity, created_at, disabled_at FROM referral_codes WHERE workspace_id = $1 AND code = $2 AND disabled_at IS NULL`, [
    workspaceId,
    code,
  ]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** The codes of a workspace (or of one advocate), oldest first. */
export async function listCodes(db: Queryable, workspaceId: number, customerId?: number): Promise<CodeRow[]> {
  const { rows } = await db.query<Raw>(
    `SELECT code, customer_id, vanity, created_at, disabled_at FROM referral_codes WHERE workspace_id = $1 AND ($2::bigint IS NULL OR customer_id = $2) ORDER BY created_at, code LIMIT 1000`,
    [workspaceId, customerId ?? null],
  );
  return rows.map(toRow);
}

/** Stop a code attributing (links with it land without a referral; checkout codes are ignored). */
export async function disableCode(db: Queryable, workspaceId: number, input: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE referral_codes SET disabled_at = $3 WHERE workspace_id = $1 AND code = $2 AND disabled_at IS NULL`, [
    workspaceId,
    canonicalCode(input),
    at.toISOString(),
  ]);
  return rowCount > 0;
}
