import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from './client.js';
import type { Col, Row, RowPick, RowPickCamel } from './rows.js';
import type { customers, derivedWork, marketingSpend, workspaces } from './schema/index.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';

/** What a value is at runtime, in words a test can compare: the type-level twin is `Kind`. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Date) return 'Date';
  if (Array.isArray(v)) return `${v.length ? kindOf(v[0]) : 'empty'}[]`;
  return typeof v;
}

/** The kind a row type claims for a column; jsonb (unknown) is whatever JSON it holds. */
type Kind<T> = unknown extends T
  ? 'json'
  : T extends Date
    ? 'Date'
    : T extends (number | string)[]
      ? number[] extends T
        ? string[] extends T
          ? 'number[] or string[]'
          : 'number[]'
        : 'string[]'
      : T extends number
        ? 'number'
        : T extends string
          ? 'string'
          : T extends boolean
            ? 'boolean'
            : never;
/** Per column: its claimed kind and whether it is claimed nullable (`unknown`, jsonb, says neither). */
type Claims<R> = { [K in keyof R]: [Kind<Exclude<R[K], null>>, unknown extends R[K] ? 'unknown' : null extends R[K] ? 'nullable' : 'not null'] };

function check<R>(row: R, claims: Claims<R>, jsonKinds: Partial<Record<keyof R, string>> = {}): void {
  assert.deepEqual(Object.keys(row as object).sort(), Object.keys(claims).sort());
  for (const [key, [kind, nullable]] of Object.entries(claims) as [keyof R & string, [string, string]][]) {
    const actual = kindOf(row[key]);
    if (actual === 'null') {
      assert.notEqual(nullable, 'not null', `${key} is null but claimed not null`);
      continue;
    }
    if (kind === 'json') assert.equal(actual, jsonKinds[key] ?? 'object', `${key}: jsonb parsed`);
    else if (kind === 'number[] or string[]') assert.match(actual, /^(number|string)\[\]$/, `${key}: claimed ${kind}, is ${actual}`);
    else assert.equal(actual, kind, `${key}: claimed ${kind}, is ${actual}`);
  }
}

// Type-level: a column name the table does not have is a compile error, in every helper.
// @ts-expect-error customers has no column `workspaceId` (its SQL name is workspace_id).
export type WrongCase = RowPick<typeof customers, 'workspaceId'>;
// @ts-expect-error a misspelt column.
export type Misspelt = RowPickCamel<typeof workspaces, 'gross_margins'>;
// @ts-expect-error a column of another table.
export type OtherTable = Col<typeof marketingSpend, 'traits'>;
// A narrowing must fit the schema's type; it may leave out null (a WHERE that excludes it).
// @ts-expect-error a number column narrowed to strings.
export type BadNarrow = RowPick<typeof derivedWork, 'attempts', { attempts: 'a' | 'b' }>;
export type GoodNarrow = RowPick<typeof derivedWork, 'kind' | 'changes' | 'parked_at', { kind: 'stage' | 'segment'; changes: string[][] | null; parked_at: Date }>;
// @ts-expect-error a camelCase narrowing keyed by the SQL name.
export type BadCamelNarrow = RowPickCamel<typeof workspaces, 'allowed_origins', { allowed_origins: ['*'] }>;
// The TS key of a column is not its SQL name.
// @ts-expect-error a TS key.
export type TsKey = Row<typeof customers>['userId'];

describe('row types derived from the schema', () => {
  for (const target of dbTargets()) {
    describe(target.name, () => {
      let db: Db;
      let workspaceId: number;
      before(async () => {
        db = await target.open();
        ({
          workspace: { id: workspaceId },
        } = await makeWorkspace(db));
        await db.query(`INSERT INTO customers (workspace_id, user_id, traits) VALUES ($1, 'u1', '{"plan":"pro"}'), ($1, NULL, '{}')`, [workspaceId]);
        await db.query(`INSERT INTO marketing_spend (workspace_id, day, channel, amount) VALUES ($1, '2026-03-04', 'ads', 12.50)`, [workspaceId]);
        await db.query(`INSERT INTO derived_work (workspace_id, kind, subject_ids, changes) VALUES ($1, 'segment', '{1,2}', '[["signup"],[]]')`, [workspaceId]);
      });
      after(() => db.close());

      it('bigserial, integer, text, nullable text, jsonb and timestamptz as the customers row claims', async () => {
        const { rows } = await db.query<Row<typeof customers>>(`SELECT * FROM customers WHERE workspace_id = $1 ORDER BY id`, [workspaceId]);
        assert.equal(rows.length, 2);
        const claims: Claims<Row<typeof customers>> = {
          id: ['number', 'not null'],
          workspace_id: ['number', 'not null'],
          user_id: ['string', 'nullable'],
          traits: ['json', 'unknown'],
          trait_times: ['json', 'unknown'],
          first_touch: ['json', 'unknown'],
          last_touch: ['json', 'unknown'],
          created_at: ['Date', 'not null'],
          updated_at: ['Date', 'not null'],
        };
        for (const row of rows) check(row, claims);
        assert.deepEqual(rows[0]!.traits, { plan: 'pro' });
        assert.equal(rows[1]!.user_id, null);
      });

      it('numeric as number (not the string Drizzle says) and date as Date', async () => {
        const { rows } = await db.query<Row<typeof marketingSpend>>(`SELECT * FROM marketing_spend WHERE workspace_id = $1`, [workspaceId]);
        check(rows[0]!, {
          workspace_id: ['number', 'not null'],
          day: ['Date', 'not null'],
          channel: ['string', 'not null'],
          campaign: ['string', 'not null'],
          amount: ['number', 'not null'],
          currency: ['string', 'not null'],
        });
        assert.equal(rows[0]!.amount, 12.5);
        // The drivers disagree on the instant (node-postgres: local midnight; PGlite: UTC
        // midnight), so the day is read in the session's own terms.
        const { rows: days } = await db.query<{ day: string }>(`SELECT day::text AS day FROM marketing_spend WHERE workspace_id = $1`, [workspaceId]);
        assert.equal(days[0]!.day, '2026-03-04');
      });

      it('bigint[], boolean, jsonb array and nullable timestamptz as the derived_work row claims', async () => {
        const { rows } = await db.query<RowPick<typeof derivedWork, 'id' | 'subject_ids' | 'changes' | 'compacted' | 'attempts' | 'parked_at'>>(
          `SELECT id, subject_ids, changes, compacted, attempts, parked_at FROM derived_work WHERE workspace_id = $1`,
          [workspaceId],
        );
        check(
          rows[0]!,
          {
            id: ['number', 'not null'],
            subject_ids: ['number[] or string[]', 'not null'],
            changes: ['json', 'unknown'],
            compacted: ['boolean', 'not null'],
            attempts: ['number', 'not null'],
            parked_at: ['Date', 'nullable'],
          },
          { changes: 'string[][]' },
        );
        // node-postgres parses int8 but not int8[]: its elements come as strings.
        assert.deepEqual(rows[0]!.subject_ids.map(Number), [1, 2]);
        assert.equal(kindOf(rows[0]!.subject_ids), target.name === 'postgres' ? 'string[]' : 'number[]');
      });

      it('camelCase selections: the keys the repositories alias to, text[] and nullable double precision', async () => {
        const { rows } = await db.query<RowPickCamel<typeof workspaces, 'id' | 'allowed_origins' | 'gross_margin' | 'inbox_verification'>>(
          `SELECT id, allowed_origins AS "allowedOrigins", gross_margin AS "grossMargin", inbox_verification AS "inboxVerification" FROM workspaces WHERE id = $1`,
          [workspaceId],
        );
        check(rows[0]!, { id: ['number', 'not null'], allowedOrigins: ['string[]', 'not null'], grossMargin: ['number', 'nullable'], inboxVerification: ['boolean', 'not null'] });
        assert.deepEqual(rows[0]!.allowedOrigins, ['*']);
      });
    });
  }
});
