import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { ImportList, ImportPreview, ImportQuery, ImportView, MAX_STORED_REJECTIONS, RejectionPage, RejectionQuery } from '../../../contracts/imports.js';
import type { Db } from '../../db/client.js';
import { importJobKind, queueImport } from '../../import/import-job.js';
import { getImport, listImports, listRejections, requestCancel, type ImportRow } from '../../import/imports.repo.js';
import { previewCsv } from '../../import/preview.js';
import { readHead, spoolUpload, uploadTooLarge } from '../../import/spool.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['imports'];
const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The first bytes of a file a preview reads (the rest of the body is ignored). */
export const PREVIEW_MAX_BYTES = 256 * 1024;

/** Where uploads wait for their job, and how big one may be. */
export interface ImportLimits {
  dir: string;
  maxBytes: number;
}

/** An import as the API shows it. */
export function importView(i: ImportRow): ImportView {
  return {
    id: i.id,
    kind: i.kind,
    fileName: i.fileName,
    status: i.status,
    sizeBytes: i.sizeBytes,
    bytesRead: i.bytesRead,
    percent: i.status === 'done' ? 100 : i.sizeBytes > 0 ? Math.min(100, Math.floor((1000 * i.bytesRead) / i.sizeBytes) / 10) : 0,
    rows: i.rows,
    accepted: i.accepted,
    duplicates: i.duplicates,
    rejected: i.rejected,
    cancelRequested: i.cancelRequested,
    error: i.error,
    jobId: i.jobId,
    createdAt: i.createdAt.toISOString(),
    startedAt: i.startedAt?.toISOString() ?? null,
    finishedAt: i.finishedAt?.toISOString() ?? null,
  };
}

/** The request body as a stream (the upload routes' content parser hands it over unread). */
function bodyStream(req: FastifyRequest): Readable {
  return (req.body as Readable | undefined) ?? req.raw;
}

function tooLarge(reply: FastifyReply, limit: number): never {
  // Do not read a body we refuse: answer and close the connection.
  void reply.header('connection', 'close');
  throw httpErrorOf(uploadTooLarge(limit));
}

/**
 * Admin API for CSV imports into a running server: preview, upload (a background job),
 * progress, rejected rows (JSON pages or CSV), cancel. Registered as its own plugin: its
 * bodies are raw CSV streams, never buffered, unlike the JSON bodies of the rest of the API.
 */
export async function importRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; limits: ImportLimits; bus: ChangeBus }): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.post('/api/imports/preview', {
      schema: {
        tags,
        summary: 'The mapping of a CSV file: its columns, what each becomes, and the first rows as they would be stored',
        description: `Send the start of the file as the body (any content type; the first ${PREVIEW_MAX_BYTES / 1024} KB are read, cut after the last whole line). Nothing is stored. A header the importer refuses is answered 200 with \`headerError\`.`,
        security,
        querystring: ImportQuery,
        response: { 200: ImportPreview, ...errors },
      },
      handler: async (req) => {
        await authenticateAdmin(deps.keys, req);
        const head = await readHead(bodyStream(req), PREVIEW_MAX_BYTES);
        if (!head.ok) throw httpErrorOf(head);
        return previewCsv(req.query.kind, req.query.name ?? 'upload.csv', head.value);
      },
    });

    r.post('/api/imports', {
      schema: {
        tags,
        summary: 'Upload a CSV file of customers, events or spend and import it in the background',
        description: `The body is the file (streamed to disk as it arrives, \`Content-Encoding: gzip\` accepted), at most the server's import limit (TENURE_IMPORT_MAX_MB, default 1024; over it: 413). Answers 202 with the import; follow it at GET /api/imports/{id}. Columns: see docs/imports.md.`,
        security,
        querystring: ImportQuery,
        response: { 202: ImportView, ...errors },
      },
      handler: async (req, reply) => {
        const ws = await authenticateAdmin(deps.keys, req);
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > deps.limits.maxBytes) tooLarge(reply, deps.limits.maxBytes);
        const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
        if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') throw new HttpError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported; use gzip or none`);
        const upload = await spoolUpload(bodyStream(req), deps.limits.dir, { maxBytes: deps.limits.maxBytes, gzip: encoding !== 'identity' });
        if (!upload.ok) {
          if (upload.code === 'upload_too_large') tooLarge(reply, deps.limits.maxBytes);
          throw httpErrorOf(upload);
        }
        const spooled = upload.value;
        if (spooled.size === 0) throw new HttpError('validation_failed', 'the body is empty: send the CSV file (a header row, then the rows)');
        const row = await queueImport(deps.db, ws.id, { kind: req.query.kind, fileName: req.query.name ?? 'upload.csv', path: spooled.path, sizeBytes: spooled.size });
        deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: importJobKind() });
        return reply.status(202).send(importView(row));
      },
    });
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const find = async (req: FastifyRequest, id: number) => {
    const ws = await authenticateAdmin(deps.keys, req);
    const imp = await getImport(deps.db, ws.id, id);
    if (!imp) throw new HttpError('not_found', `no import ${id}`);
    return imp;
  };

  r.get('/api/imports', {
    schema: { tags, summary: 'The latest imports (50), newest first', security, response: { 200: ImportList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { imports: (await listImports(deps.db, ws.id, 50)).map(importView) };
    },
  });

  r.get('/api/imports/:id', {
    schema: { tags, summary: 'An import with its progress (bytes, rows, percent) and counts', security, params: IdParams, response: { 200: ImportView, ...errors } },
    handler: async (req) => importView(await find(req, req.params.id)),
  });

  r.get('/api/imports/:id/rejections', {
    schema: {
      tags,
      summary: 'Rejected rows of an import in line order, a page at a time',
      description: `The first ${MAX_STORED_REJECTIONS.toLocaleString('en-US')} rejected rows of an import are kept; \`total\` counts them all.`,
      security,
      params: IdParams,
      querystring: RejectionQuery,
      response: { 200: RejectionPage, ...errors },
    },
    handler: async (req) => {
      const imp = await find(req, req.params.id);
      const rows = await listRejections(deps.db, imp.id, req.query.after, req.query.limit + 1);
      const page = rows.slice(0, req.query.limit);
      return { rejections: page, total: imp.rejected, nextAfter: rows.length > req.query.limit ? page[page.length - 1]!.line : null };
    },
  });

  r.get('/api/imports/:id/rejections.csv', {
    schema: { tags, summary: 'Rejected rows of an import as CSV (line, field, message), streamed', security, params: IdParams, produces: ['text/csv'], response: errors },
    handler: async (req, reply) => {
      const imp = await find(req, req.params.id);
      const base =
        imp.fileName
          .replace(/\.csv$/i, '')
          .replace(/[^\w.-]+/g, '_')
          .slice(0, 80) || 'import';
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${base}-rejected.csv"`);
      const db = deps.db;
      async function* csv() {
        yield 'line,field,message\n';
        for (let after = 0; ;) {
          const page = await listRejections(db, imp.id, after, 1_000);
          if (page.length === 0) return;
          yield page.map((x) => `${x.line},${csvCell(x.field ?? '')},${csvCell(x.message)}\n`).join('');
          after = page[page.length - 1]!.line;
        }
      }
      return reply.send(Readable.from(csv()) as never);
    },
  });

  r.post('/api/imports/:id/cancel', {
    schema: {
      tags,
      summary: 'Stop an import after the batch in hand',
      description:
        'What was stored stays (with its stages and segments brought up to date); the import ends `cancelled` and `accepted` says how many rows landed. 409 for an import that has already ended.',
      security,
      params: IdParams,
      response: { 202: ImportView, ...errors },
    },
    handler: async (req, reply) => {
      const imp = await find(req, req.params.id);
      const asked = await requestCancel(deps.db, imp.workspaceId, imp.id);
      if (!asked) throw new HttpError('conflict', `import ${imp.id} has already ended (${imp.status}); there is nothing to cancel`);
      return reply.status(202).send(importView(asked));
    },
  });
}

/** A CSV cell, quoted when it needs to be; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it. */
function csvCell(v: string): string {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
