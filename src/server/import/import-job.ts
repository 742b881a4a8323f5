/**
 * Imports uploaded to a running server run as background jobs: the upload is spooled to a
 * file (./spool.ts), an `imports` row and its job are stored together, and the job streams
 * the file through the same importer as `tenure import` (importCsvStream, importSpend),
 * writing its progress and rejected rows as it goes and stopping after the batch in hand
 * when a cancel is asked for.
 *
 * The spool file is on the machine that received the upload, so the job kind names the
 * host (`import.csv@HOST`): only processes on that host claim it. A job interrupted by a
 * shutdown is queued again and starts the file over; rows already stored come back as
 * duplicates (their message ids are stored), so nothing is stored twice.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { MAX_STORED_REJECTIONS, type ImportKind, type ImportRejection } from '../../contracts/imports.js';
import type { Db } from '../db/client.js';
import { JobInterrupted, type JobHandler } from '../jobs/job-runner.js';
import { enqueueJob, type Job } from '../jobs/jobs.repo.js';
import type { Logger } from '../log.js';
import { importCsvStream, type ImportTally } from './csv-import.js';
import { finishImport, getImportById, insertImport, isCancelRequested, requeueImport, saveImportProgress, setImportJob, startImportRun, type ImportRow } from './imports.repo.js';
import { importSpend } from './spend-import.js';

/** The job kind of imports spooled on this host. */
export function importJobKind(host = hostname()): string {
  return `import.csv@${host}`;
}

/** Store an import of a spooled upload and queue its job (one transaction). */
export async function queueImport(db: Db, workspaceId: number, v: { kind: ImportKind; fileName: string; path: string; sizeBytes: number }): Promise<ImportRow> {
  return db.transaction(async (tx) => {
    const row = await insertImport(tx, workspaceId, v);
    const job = await enqueueJob(tx, workspaceId, importJobKind(), { importId: row.id });
    await setImportJob(tx, row.id, job.id);
    return { ...row, jobId: job.id };
  });
}

/** How often a running import looks for a cancel request. */
const CANCEL_CHECK_MS = 500;

/** The job handler: import the spooled file of the job's import. */
export function importJob(db: Db, opts: { log?: Logger } = {}): JobHandler {
  return async (job: Job, progress) => {
    const id = Number((job.params as { importId?: unknown }).importId);
    const imp = await getImportById(db, id);
    if (!imp || imp.status === 'done' || imp.status === 'failed' || imp.status === 'cancelled') return;
    const path = imp.path;
    if (imp.cancelRequested || !path) {
      await finishImport(db, id, imp.cancelRequested ? 'cancelled' : 'failed', imp.cancelRequested ? null : 'the uploaded file is no longer on the server');
      if (path) await rm(path, { force: true });
      return;
    }
    await startImportRun(db, id);
    let pending: ImportRejection[] = [];
    let stored = 0;
    const keep = (r: ImportRejection) => {
      if (stored++ < MAX_STORED_REJECTIONS) pending.push(r);
    };
    const save = async (t: ImportTally) => {
      const batch = pending;
      pending = [];
      await saveImportProgress(db, id, t, batch);
      progress(t.bytes, imp.sizeBytes); // throws JobInterrupted when this process is stopping
    };
    let requeued = false;
    try {
      if (imp.kind === 'spend') {
        if (await isCancelRequested(db, id)) return void (await finishImport(db, id, 'cancelled', null));
        const r = await importSpend(db, job.workspaceId, path, { progress: false, name: imp.fileName, maxErrors: MAX_STORED_REJECTIONS });
        const byLine = new Map<number, ImportRejection>();
        if (!r.ok) {
          // One rejection per line (the messages of several fields joined).
          for (const e of r.errors) {
            const had = byLine.get(e.line);
            if (had) had.message = `${had.message}; ${e.message}`;
            else byLine.set(e.line, { line: e.line, field: e.field ?? null, message: e.message });
          }
        }
        pending = [...byLine.values()];
        const rows = r.ok ? r.value.rows : 0;
        await save({ bytes: imp.sizeBytes, rows, accepted: rows, duplicates: 0, rejected: r.ok ? 0 : r.errorTotal });
        await finishImport(
          db,
          id,
          r.ok ? 'done' : 'failed',
          r.ok ? null : `nothing imported: ${r.errorTotal} ${r.errorTotal === 1 ? 'problem' : 'problems'} (a spend file is stored only when every row is good)`,
        );
        return;
      }
      let checked = 0;
      let cancel = false;
      const report = await importCsvStream(
        db,
        job.workspaceId,
        imp.kind,
        { name: imp.fileName, stream: createReadStream(path, { highWaterMark: 256 * 1024 }) },
        {
          maxRejected: 0,
          onRejected: (r) => keep({ line: r.line, field: r.field ?? null, message: r.message }),
          onProgress: save,
          shouldStop: async () => {
            if (Date.now() - checked < CANCEL_CHECK_MS) return cancel;
            checked = Date.now();
            return (cancel = await isCancelRequested(db, id));
          },
        },
      );
      await finishImport(db, id, report.stopped ? 'cancelled' : 'done', null);
      opts.log?.info({ import: id, accepted: report.accepted, rejected: report.rejectedTotal, cancelled: report.stopped }, 'import finished');
    } catch (err) {
      if (err instanceof JobInterrupted) {
        requeued = true;
        await requeueImport(db, id);
        throw err; // the job is queued again and starts the file over
      }
      await finishImport(db, id, 'failed', err instanceof Error ? err.message : String(err)).catch(() => undefined);
      throw err;
    } finally {
      if (!requeued) await rm(path, { force: true });
    }
  };
}
