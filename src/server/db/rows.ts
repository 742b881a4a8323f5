import type { Column, Table } from 'drizzle-orm';

/**
 * Row types for hand-written SQL, derived from the Drizzle schema (src/server/db/schema), so a
 * column renamed or retyped there fails to compile where a query reads it.
 *
 * A row is keyed by the column's SQL name (`workspace_id`), as `SELECT workspace_id` returns it,
 * and typed as the drivers return it at runtime (client.ts, pglite-worker.ts), which is not
 * always what Drizzle's `$inferSelect` says:
 * - bigint and bigserial (mode number) and numeric: number (both drivers parse int8 and numeric
 *   with Number; Drizzle says string for numeric);
 * - timestamptz: Date;
 * - date: Date, not the string Drizzle's `mode: 'string'` says (node-postgres reads it as local
 *   midnight, PGlite as UTC midnight: a query that needs the day itself selects `day::text`);
 * - jsonb: unknown (narrow it with RowPick's third argument: `RowPick<…, 'traits', { traits: Traits }>`);
 * - bigint[]: strings from node-postgres (only int8 itself has a parser), numbers from PGlite,
 *   so `(number | string)[]`: read it with `.map(Number)`;
 * - text with `enum`: the union of its values; text[]: string[].
 * A nullable column adds `| null`.
 *
 * Only the type is derived: the SQL text is still written by hand, and a query whose SQL does
 * not select the columns its type names still compiles.
 */

/** The SQL name of a column, as the schema's literal spells it. */
type SqlName<C> = C extends Column<infer Config> ? Config['name'] : never;

/** What the drivers return for a non-null value of the column. */
type RuntimeValue<C> =
  C extends Column<infer Config>
    ? Config['columnType'] extends 'PgNumeric'
      ? number
      : Config['columnType'] extends 'PgDateString' | 'PgDate'
        ? Date
        : C extends { _: { columnType: 'PgArray'; baseColumn: { _: { columnType: 'PgBigInt53' | 'PgBigSerial53' } } } }
          ? (number | string)[]
          : Config['data']
    : never;

type RuntimeType<C> = C extends Column<infer Config> ? (Config['notNull'] extends true ? RuntimeValue<C> : RuntimeValue<C> | null) : never;

type Columns<T extends Table> = T['_']['columns'];

/** A whole row of table `T` as raw SQL returns it: keyed by SQL column name. */
export type Row<T extends Table> = { [K in keyof Columns<T> as SqlName<Columns<T>[K]>]: RuntimeType<Columns<T>[K]> };

/** The SQL column names of table `T`. */
export type ColumnName<T extends Table> = keyof Row<T> & string;

/**
 * The selected columns `N` of table `T` (`SELECT id, traits FROM customers`). `Narrow` gives
 * some of them a narrower type than the schema's (a jsonb column's shape, a text column's
 * values); it must fit the schema's type, so retyping the column there fails here too.
 */
export type RowPick<T extends Table, N extends ColumnName<T>, Narrow extends Partial<Pick<Row<T>, N>> = {}> = {
  [K in N]: K extends keyof Narrow ? Narrow[K] : Row<T>[K];
};

/** The type of one column as raw SQL returns it, for a column selected under another name (`max(received_at) AS last`). */
export type Col<T extends Table, N extends ColumnName<T>> = Row<T>[N];

/** `workspace_id` → `workspaceId`. */
type Camel<S extends string> = S extends `${infer H}_${infer R}` ? `${H}${Capitalize<Camel<R>>}` : S;

/**
 * The selected columns `N` of table `T`, each selected as its camelCase name
 * (`workspace_id AS "workspaceId"`), as the repositories select their domain objects;
 * `Narrow` as for RowPick, keyed by the camelCase names.
 */
export type RowPickCamel<T extends Table, N extends ColumnName<T>, Narrow extends Partial<CamelRow<T, N>> = {}> = {
  [K in keyof CamelRow<T, N>]: K extends keyof Narrow ? Narrow[K] : CamelRow<T, N>[K];
};

type CamelRow<T extends Table, N extends ColumnName<T>> = { [K in N as Camel<K>]: Row<T>[K] };
