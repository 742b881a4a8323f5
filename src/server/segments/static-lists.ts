import { open, type FileHandle } from 'node:fs/promises';
import type { Db, Queryable } from '../db/client.js';
import { CsvSyntaxError, readCsv } from '../lib/csv/csv-reader.js';
import { LineCounter } from '../lib/csv/line-counter.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { setStaticMembers, type SyncResult } from './segment-sync.js';
import { getSegment, insertStaticSegment, newSegmentId, type StoredSegment } from './segments.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Most ids in one list edit (an API request; the CLI sends bigger files in several). */
export const MAX_LIST_IDS = 10_000;

export type ListMode = 'replace' | 'add' | 'remove';

/** Customer ids of userIds / anonymousIds (or aliases) of the workspace; ids matching no one are returned as `unknown`. */
export async function resolveCustomerIds(db: Queryable, workspaceId: number, ids: string[]): Promise<{ customerIds: number[]; unknown: string[] }> {
  const unique = [...new Set(ids.map((s) => s.trim()).filter((s) => s !== ''))];
  const { rows } = await db.query<RowPick<typeof schema.identities, 'value' | 'customer_id'>>(
    `SELECT DISTINCT ON (value) value, customer_id FROM identities WHERE workspace_id = $1 AND value = ANY($2::text[]) ORDER BY value, (kind = 'user') DESC`,
    [workspaceId, unique],
  );
  const found = new Map(rows.map((r) => [r.value, r.customer_id]));
  return { customerIds: [...new Set(found.values())], unknown: unique.filter((v) => !found.has(v)) };
}

/**
 * Edit a static segment's list: `replace` it with these customers, `add` them, or
 * `remove` them. Entries and exits are recorded as for any segment. Refused when there is
 * no such segment, or it is defined by a condition.
 */
export async function editStaticList(db: Db, workspaceId: number, segmentId: string, customerIds: number[], mode: ListMode, now: Date): Promise<Result<SyncResult, Failure<'not_found' | 'conflict'>>> {
  return db.transaction(async (tx) => {
    const seg: StoredSegment | null = await getSegment(tx, workspaceId, segmentId, { forUpdate: true });
    if (!seg) return fail('not_found', `no segment "${segmentId}"`);
    if (seg.kind !== 'static') return fail('conflict', `segment "${segmentId}" is defined by a condition; only static lists take ids`);
    let target = customerIds;
    if (mode !== 'replace') {
      const { rows } = await tx.query<RowPick<typeof schema.segmentMembers, 'customer_id'>>(`SELECT customer_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`, [
        workspaceId,
        segmentId,
      ]);
      const set = new Set(rows.map((r) => r.customer_id));
      for (const id of customerIds) {
        if (mode === 'add') set.add(id);
        else set.delete(id);
      }
      target = [...set];
    }
    const r = await setStaticMembers(tx, seg, now, target);
    await tx.query(`UPDATE segments SET computed_version = version, computed_at = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [workspaceId, segmentId, now.toISOString()]);
    return ok(r);
  });
}

/** Header names taken as the id column, in order of preference (after lower-casing, spaces and dashes as `_`). */
const ID_COLUMNS = ['user_id', 'userid', 'anonymous_id', 'anonymousid', 'id'];

export interface ListImportReport {
  segmentId: string;
  ids: number;
  entered: number;
  exited: number;
  unknown: Array<{ line: number; id: string }>;
  unknownCount: number;
  emptyLines: number;
}

/**
 * Make a static segment from a CSV file with a header row and a column of ids (the first
 * of `user_id`, `anonymous_id`, `id`; case and `_` ignored for the header): read as a
 * stream, ids resolved in chunks of MAX_LIST_IDS, the list changed once at the end. `segmentId`:
 * an existing static segment to change (`mode`), else a new one named `name`. Errors
 * name the file and line.
 */
export async function importList(db: Db, workspaceId: number, file: string, opts: { name?: string; segmentId?: string; mode?: ListMode; now?: Date; chunk?: number }): Promise<ListImportReport> {
  const chunkSize = opts.chunk ?? MAX_LIST_IDS;
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot open: ${(err as Error).message}`);
  }
  const now = opts.now ?? new Date();
  const report: ListImportReport = { segmentId: opts.segmentId ?? '', ids: 0, entered: 0, exited: 0, unknown: [], unknownCount: 0, emptyLines: 0 };
  try {
    if (opts.segmentId) {
      const seg = await getSegment(db, workspaceId, opts.segmentId);
      if (!seg) throw new Error(`no segment "${opts.segmentId}"`);
      if (seg.kind !== 'static') throw new Error(`segment "${opts.segmentId}" is defined by a condition; only static lists take ids`);
    } else {
      if (!opts.name?.trim()) throw new Error('a new list needs a name (--name)');
    }
    // Ids are resolved a chunk at a time as the file streams; the list is changed once, at
    // the end, in one transaction (a replace applied chunk by chunk would drop, then
    // re-add, the members named in later chunks).
    const customers = new Set<number>();
    let column = -1;
    const lines = new LineCounter();
    let chunk: Array<{ line: number; id: string }> = [];
    const flush = async () => {
      const { customerIds, unknown } = await resolveCustomerIds(
        db,
        workspaceId,
        chunk.map((c) => c.id),
      );
      for (const id of customerIds) customers.add(id);
      const missing = new Set(unknown);
      for (const c of chunk) {
        if (!missing.has(c.id.trim())) continue;
        report.unknownCount++;
        if (report.unknown.length < 1_000) report.unknown.push(c);
      }
      report.ids += chunk.length;
      chunk = [];
    };
    try {
      for await (const records of readCsv(handle.createReadStream({ highWaterMark: 256 * 1024 }))) {
        for (const { cells, raw } of records) {
          const line = lines.next(raw);
          if (column < 0) {
            const names = cells.map((h) => h.trim().toLowerCase().replace(/[\s-]/g, '_'));
            column = ID_COLUMNS.map((c) => names.indexOf(c)).find((i) => i >= 0) ?? -1;
            if (column < 0) throw new Error(`${file}:${line}: the header has no column user_id, anonymous_id or id (found: ${cells.join(', ') || 'nothing'})`);
            continue;
          }
          const id = cells[column] ?? '';
          if (id === '') {
            report.emptyLines++;
            continue;
          }
          chunk.push({ line, id });
          if (chunk.length >= chunkSize) await flush();
        }
      }
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw new Error(`${file}:${lines.following}: not valid CSV: ${err.message}`);
      throw err;
    }
    if (column < 0) throw new Error(`${file}: empty file (a header row with a user_id, anonymous_id or id column is needed)`);
    if (chunk.length > 0) await flush();
    if (!opts.segmentId) {
      // Made only now that the whole file was read: a file that fails leaves nothing behind.
      report.segmentId = newSegmentId();
      await insertStaticSegment(db, workspaceId, report.segmentId, { name: opts.name!.trim(), description: `imported from ${file.split('/').pop()}` });
    }
    const r = await editStaticList(db, workspaceId, report.segmentId, [...customers], opts.mode ?? 'replace', now);
    if (!r.ok) throw new Error(r.message); // a command-line import: its caller reports the message
    report.entered = r.value.entered;
    report.exited = r.value.exited;
    return report;
  } finally {
    await handle.close();
  }
}
