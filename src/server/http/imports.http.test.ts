import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { createLogger } from '../log.js';
import { buildServer } from '../roles/server.js';
import { dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { insertSegment, segmentMembers } from '../segments/segments.repo.js';
import { computeSegment } from '../segments/segment-sync.js';

const MAX_BYTES = 8 * 2 ** 20;

/** A POST with a streamed (chunked) body of `total` bytes of CSV rows, or a declared length and a short body. */
function rawPost(url: string, auth: string, opts: { total?: number; declared?: number }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: auth, 'content-type': 'text/csv' };
    if (opts.declared !== undefined) headers['content-length'] = String(opts.declared);
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    if (opts.declared !== undefined) return void req.write('user_id\n');
    const line = Buffer.from('u-000000000000000000000000000000000000000000000000000000000000000\n');
    let sent = 0;
    const pump = () => {
      while (sent < (opts.total ?? 0)) {
        sent += line.length;
        if (!req.write(line)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('user_id\n');
    pump();
  });
}

for (const target of dbTargets()) {
  describe(`CSV imports API (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let otherAdmin: string;
    let ws: number;
    const spool = mkdtempSync(join(tmpdir(), 'tenure-import-spool-'));
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${url}${path}`, { auth: admin, ...init });
    const upload = (kind: string, name: string, csv: string | Buffer, headers: Record<string, string> = {}) =>
      api(`/api/imports?kind=${kind}&name=${encodeURIComponent(name)}`, { method: 'POST', rawBody: csv, headers: { 'content-type': 'text/csv', ...headers } });
    const finished = (id: number, ms = 60_000) =>
      until(
        `import ${id} to end`,
        async () => {
          const r = await api(`/api/imports/${id}`);
          return ['done', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
        },
        ms,
      );

    before(async () => {
      db = await target.open();
      const made = await makeWorkspace(db, 'imports-http');
      ws = made.workspace.id;
      admin = `Bearer ${made.adminKey}`;
      otherAdmin = `Bearer ${(await makeWorkspace(db, 'imports-other')).adminKey}`;
      app = await buildServer({
        db,
        log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
        stages: null,
        segments: null,
        journeys: null,
        analyticsSyncMs: 0,
        predictionSchedule: false,
        imports: { dir: spool, maxBytes: MAX_BYTES },
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await app.close();
      await db.close();
      rmSync(spool, { recursive: true, force: true });
    });

    it('previews the mapping: what each column becomes and the first rows as stored, with row errors', async () => {
      const csv = ['user_id,event,timestamp,properties.revenue:number,context.campaign.source', 'p1,Order Completed,2026-01-02,12.5,google', 'p2,Order Completed,2026-01-02,twelve,', ''].join('\n');
      const r = await api('/api/imports/preview?kind=events&name=orders.csv', { method: 'POST', rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.columns.map((c: { header: string; role: string; target: string; type: string }) => [c.header, c.role, c.target, c.type]),
        [
          ['user_id', 'userId', 'userId', 'string'],
          ['event', 'event', 'event', 'string'],
          ['timestamp', 'timestamp', 'timestamp', 'string'],
          ['properties.revenue:number', 'property', 'properties.revenue', 'number'],
          ['context.campaign.source', 'context', 'context.campaign.source', 'string'],
        ],
      );
      assert.equal(r.body.headerError, null);
      assert.equal(r.body.rows[0].line, 2);
      assert.deepEqual(r.body.rows[0].stored.properties, { revenue: 12.5 });
      assert.equal(r.body.rows[0].stored.userId, 'p1');
      assert.deepEqual(r.body.rows[1], { line: 3, stored: null, error: { field: 'properties.revenue:number', message: r.body.rows[1].error.message } });
      assert.match(r.body.rows[1].error.message, /"twelve" is not a number/);
      // A whole file sent to the preview: the first 256 KB are read, the answer comes, the rest is dropped.
      const long = [csv.trimEnd(), ...Array.from({ length: 40_000 }, (_, i) => `q${i},Signed Up,2026-01-02,1,`)].join('\n');
      const big = await api('/api/imports/preview?kind=events', { method: 'POST', rawBody: long, headers: { 'content-type': 'text/csv' } });
      assert.equal(big.status, 200);
      assert.equal(big.body.rows.length, 20);
      assert.ok(big.body.rows.every((r: { error: unknown }, i: number) => i === 1 || r.error === null));
      const bad = await api('/api/imports/preview?kind=events', { method: 'POST', rawBody: 'event,user_id\nx,y\n' });
      assert.equal(bad.status, 200);
      assert.match(bad.body.headerError, /upload\.csv: the header has no "timestamp" column/);
      const none = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws])).rows[0]!.n;
      assert.equal(none, 0, 'a preview stores nothing');
    });

    it('imports an upload as a job: progress, rows stored, rejected rows listed and downloadable, stages and segments updated', async () => {
      const seg = await insertSegment(db, ws, 'buyers', { name: 'buyers', description: '', condition: { performed: { event: 'Order Completed', op: 'gte', count: 1 } } } as never);
      await computeSegment(db, ws, seg.id, new Date());
      const rows = ['user_id,event,timestamp,properties.revenue:number'];
      for (let i = 0; i < 1200; i++) rows.push(`b${i % 300},Order Completed,2026-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,${i}`);
      rows.splice(5, 0, 'bx,Order Completed,not-a-date,1'); // line 6
      rows.splice(9, 0, ',Order Completed,2026-01-01,1'); // line 10
      rows.splice(20, 0, 'by,Order Completed,2026-01-01,"1,5"'); // line 21
      const up = await upload('events', 'orders.csv', `${rows.join('\n')}\n`);
      assert.equal(up.status, 202, JSON.stringify(up.body));
      assert.equal(up.body.fileName, 'orders.csv');
      assert.ok(['queued', 'running'].includes(up.body.status));
      const done = await finished(up.body.id);
      assert.equal(done.status, 'done');
      assert.equal(done.percent, 100);
      assert.equal(done.bytesRead, done.sizeBytes);
      assert.equal(done.rows, 1203);
      assert.equal(done.accepted, 1200);
      assert.equal(done.rejected, 3);
      const stored = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Order Completed'`, [ws])).rows[0]!.n;
      assert.equal(stored, 1200);
      const page = await api(`/api/imports/${up.body.id}/rejections?limit=2`);
      assert.equal(page.status, 200);
      assert.equal(page.body.total, 3);
      assert.deepEqual(
        page.body.rejections.map((r: { line: number; field: string }) => [r.line, r.field]),
        [
          [6, 'timestamp'],
          [10, 'user_id'],
        ],
      );
      assert.equal(page.body.nextAfter, 10);
      const rest = await api(`/api/imports/${up.body.id}/rejections?after=10`);
      assert.deepEqual(
        rest.body.rejections.map((r: { line: number; field: string }) => [r.line, r.field]),
        [[21, 'properties.revenue:number']],
      );
      assert.equal(rest.body.nextAfter, null);
      const csv = await fetch(`${url}/api/imports/${up.body.id}/rejections.csv`, { headers: { authorization: admin } });
      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.match(csv.headers.get('content-disposition') ?? '', /orders-rejected\.csv/);
      const lines = (await csv.text()).trim().split('\n');
      assert.equal(lines[0], 'line,field,message');
      assert.equal(lines.length, 4);
      assert.equal(lines[1], '6,timestamp,"""not-a-date"" is not an ISO-8601 date (e.g. 2025-03-01 or 2025-03-01T12:00:00Z)"');
      // Stages rebuilt from the imported history, segment entered.
      const moves = (await db.query<{ n: number }>(`SELECT count(DISTINCT subject_id)::int AS n FROM stage_transitions WHERE workspace_id = $1 AND scope = 'customer'`, [ws])).rows[0]!.n;
      assert.equal(moves, 300);
      const members = await segmentMembers(db, ws, seg.id, { limit: 1000 });
      assert.equal(members.length, 300);
      assert.deepEqual(readdirSync(spool), [], 'the spool file is removed once imported');
      // Importing the same file again stores nothing twice.
      const again = await finished((await upload('events', 'orders.csv', `${rows.join('\n')}\n`)).body.id);
      assert.deepEqual([again.accepted, again.duplicates, again.rejected], [0, 1200, 3]);
    });

    it('accepts a gzip upload and lists imports newest first', async () => {
      const up = await upload('customers', 'people.csv.gz', gzipSync('user_id,plan,seats:number\ng1,pro,3\ng2,free,x\n'), { 'content-encoding': 'gzip' });
      assert.equal(up.status, 202);
      const done = await finished(up.body.id);
      assert.deepEqual([done.status, done.accepted, done.rejected], ['done', 1, 1]);
      const list = await api('/api/imports');
      assert.equal(list.body.imports[0].id, up.body.id);
    });

    it('cancel stops after the batch in hand; what landed is consistent and counted', async () => {
      const rows = ['user_id,event,timestamp'];
      for (let i = 0; i < 100_000; i++) rows.push(`c${i},Signed Up,2026-02-01T00:00:00Z`);
      const up = await upload('events', 'big.csv', `${rows.join('\n')}\n`);
      assert.equal(up.status, 202);
      await until('the import to be running', async () => ((await api(`/api/imports/${up.body.id}`)).body.accepted > 0 ? true : undefined), 60_000);
      const cancel = await api(`/api/imports/${up.body.id}/cancel`, { method: 'POST' });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      assert.equal(cancel.body.cancelRequested, true);
      const end = await finished(up.body.id);
      assert.equal(end.status, 'cancelled');
      assert.ok(end.accepted > 0 && end.accepted < 100_000, `accepted ${end.accepted}`);
      assert.ok(end.percent < 100);
      const landed = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Signed Up'`, [ws])).rows[0]!.n;
      assert.equal(landed, end.accepted, 'the import says how many rows landed');
      const withStage = (
        await db.query<{ n: number }>(
          `SELECT count(DISTINCT t.subject_id)::int AS n FROM stage_transitions t JOIN customers c ON c.id = t.subject_id WHERE t.workspace_id = $1 AND t.scope = 'customer' AND c.user_id LIKE 'c%'`,
          [ws],
        )
      ).rows[0]!.n;
      assert.equal(withStage, end.accepted, 'every customer that landed has its stage');
      const again = await api(`/api/imports/${up.body.id}/cancel`, { method: 'POST' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'conflict');
      assert.deepEqual(readdirSync(spool), []);
    });

    it('spend: a file with a bad row stores nothing and lists the problem; a good one is stored', async () => {
      const bad = await finished((await upload('spend', 'spend.csv', 'day,channel,amount\n2026-01-01,email,10\n2026-01-02,email,"12,5"\n')).body.id);
      assert.equal(bad.status, 'failed');
      assert.match(bad.error, /nothing imported: 1 problem/);
      const rej = await api(`/api/imports/${bad.id}/rejections`);
      assert.equal(rej.body.rejections[0].line, 3);
      assert.match(rej.body.rejections[0].message, /spend\.csv line 3, field amount/);
      const good = await finished((await upload('spend', 'spend.csv', 'day,channel,amount\n2026-01-01,email,10\n')).body.id);
      assert.deepEqual([good.status, good.accepted], ['done', 1]);
    });

    it('limits, auth and bad input answer 4xx with a code', async () => {
      const declared = await rawPost(`${url}/api/imports?kind=customers`, admin, { declared: MAX_BYTES + 1 });
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.code, 'upload_too_large');
      const streamed = await rawPost(`${url}/api/imports?kind=customers`, admin, { total: MAX_BYTES + 100_000 });
      assert.equal(streamed.status, 413);
      assert.match(streamed.body.error.message, /over the import limit/);
      assert.deepEqual(readdirSync(spool), [], 'nothing is kept of a refused upload');
      assert.equal((await upload('customers', 'x.csv', '')).status, 400);
      const kind = await api('/api/imports?kind=orders', { method: 'POST', rawBody: 'a\n' });
      assert.equal(kind.status, 400);
      assert.equal(kind.body.error.code, 'validation_failed');
      assert.equal((await http(`${url}/api/imports?kind=customers`, { method: 'POST', rawBody: 'user_id\nx\n' })).status, 401);
      assert.equal((await http(`${url}/api/imports/preview?kind=customers`, { method: 'POST', rawBody: 'user_id\nx\n' })).status, 401);
      const mine = (await api('/api/imports')).body.imports[0].id;
      assert.equal((await http(`${url}/api/imports/${mine}`, { auth: otherAdmin })).status, 404);
      assert.equal((await http(`${url}/api/imports/${mine}/rejections`, { auth: otherAdmin })).status, 404);
      assert.equal((await api('/api/imports/99999999')).status, 404);
      assert.equal((await api('/api/imports/abc')).status, 400);
      assert.equal((await api('/api/imports/1/rejections?limit=5000')).status, 400);
      const badGzip = await upload('customers', 'x.csv', 'not gzip', { 'content-encoding': 'gzip' });
      assert.equal(badGzip.status, 400);
      const header = await finished((await upload('customers', 'noid.csv', 'email\nx@y.z\n')).body.id);
      assert.equal(header.status, 'failed');
      assert.match(header.error, /noid\.csv: the header has no "user_id" column/);
    });
  });
}
