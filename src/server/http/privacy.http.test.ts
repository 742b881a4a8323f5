import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';
import { importCsv } from '../import/csv-import.js';
import { readZip } from '../../test-support/unzip.js';

for (const target of dbTargets()) {
  describe(`privacy API (${target.name})`, () => {
    let db: Db;
    let ws = 0;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin = '';
    let write = '';
    let dir = '';
    const api = (path: string, init: { method?: string; body?: unknown } = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const events = async (userId: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events e JOIN identities i ON i.customer_id = e.customer_id WHERE i.value = $1`, [userId])).rows[0]!.n;
    const customers = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [ws])).rows[0]!.n;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tenure-privacy-'));
      db = await target.open();
      const w = await makeWorkspace(db, 'privacy-http');
      ws = w.workspace.id;
      admin = `Bearer ${w.adminKey}`;
      write = basic(w.writeKey);
      server = await startServer(db, { stages: null, segments: null });
      const batch = ['ann', 'bob', 'cat'].map((u, i) => ({ type: 'identify', userId: u, anonymousId: `anon-${u}`, traits: { email: `${u}@example.test`, phone: `+1 555 010${i}` } }));
      const r = await http(`${server.url}/v1/batch`, { auth: write, body: { batch: [...batch, { type: 'track', userId: 'ann', event: 'Order Completed' }] } });
      assert.equal(r.status, 200);
    });
    after(async () => {
      await server.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a regulation is done by the worker: pending, then done with a receipt (people found, not found, rows per table); subjects only as hashes', async () => {
      const r = await api('/api/privacy/regulations', {
        body: { regulationType: 'SUPPRESS_WITH_DELETE', subjectType: 'EMAIL', subjectIds: ['ANN@example.test', 'bob@example.test', 'nobody@example.test'] },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.kind, 'erase');
      assert.equal(r.body.subjects, 3);
      const done = await until('the regulation done', async () => {
        const g = await api(`/api/privacy/requests/${r.body.id}`);
        return g.body.status === 'done' ? g.body : undefined;
      });
      assert.equal(done.receipt.customers, 2);
      assert.equal(done.receipt.notFound, 1);
      assert.equal(done.receipt.suppressed, true);
      assert.equal(done.receipt.tables.find((t: { table: string }) => t.table === 'customers').rows, 2);
      // ann: identify + order; bob: identify.
      assert.equal(done.receipt.tables.find((t: { table: string }) => t.table === 'events').rows, 3);
      assert.equal(await customers(), 1);
      const row = await db.query<{ subject: unknown }>(`SELECT subject FROM privacy_requests WHERE id = $1`, [r.body.id]);
      assert.doesNotMatch(JSON.stringify(row.rows[0]!.subject), /example\.test|ann|bob/, 'no clear subject kept');

      const list = await api('/api/privacy/requests');
      assert.equal(list.body.requests[0].id, r.body.id);
      const sup = await api('/api/privacy/suppressions');
      // ann and bob: a userId, an anonymousId, an email and a phone each (the request's three emails were suppressed at once too: nobody's as well).
      assert.equal(sup.body.total, 9);
      assert.deepEqual(Object.keys(sup.body.suppressions[0]).sort(), ['createdAt', 'dropped', 'kind', 'requestId']);
    });

    it('a suppressed person is not recreated by the Segment API or a CSV import, nor shown by the live debugger; the drop is counted', async () => {
      // Someone watches the live debugger (recording starts with a look).
      const look = await api('/api/sources/live/recent');
      assert.equal(look.status, 200);
      const t = await http(`${server.url}/v1/track`, { auth: write, body: { userId: 'ann', event: 'Came Back' } });
      assert.equal(t.status, 200);
      const b = await http(`${server.url}/v1/batch`, {
        auth: write,
        body: {
          batch: [
            { type: 'page', anonymousId: 'anon-bob', name: 'Home' },
            { type: 'identify', userId: 'dan', traits: { email: 'dan@example.test' } },
          ],
        },
      });
      assert.equal(b.status, 200);
      const live = await api(`/api/sources/live/recent?after=${look.body.latestId}`);
      assert.deepEqual(
        live.body.events.map((e: { status: string }) => [e.status, JSON.stringify(e).includes('dan@example.test')]),
        [['accepted', true]],
        'only dan: the suppressed calls are not recorded',
      );
      const path = join(dir, 'people.csv');
      writeFileSync(path, 'user_id,email\nzed,bob@example.test\neve,eve@example.test\n');
      const imp = await importCsv(db, ws, 'customers', path, { progress: false });
      assert.equal(imp.accepted, 1, 'eve only');
      assert.equal(await events('ann'), 0);
      assert.equal(await events('zed'), 0);
      assert.equal(await events('dan'), 1);
      assert.equal(await customers(), 3, 'cat, dan, eve');
      const sup = await api('/api/privacy/suppressions');
      assert.equal(
        sup.body.suppressions.reduce((n: number, s: { dropped: number }) => n + s.dropped, 0),
        3,
      );
    });

    it('SUPPRESS_ONLY and UNSUPPRESS at once; EXPORT finds the people and its archive holds each one; more than 1,000 people is 400', async () => {
      const s = await api('/api/privacy/regulations', { body: { regulationType: 'SUPPRESS_ONLY', subjectType: 'USER_ID', subjectIds: ['cat'] } });
      assert.equal(s.body.status, 'done');
      assert.equal(s.body.receipt.suppressed, 1);
      assert.equal((await http(`${server.url}/v1/track`, { auth: write, body: { userId: 'cat', event: 'X' } })).status, 200);
      assert.equal(await events('cat'), 1, 'the identify only: the track was dropped');
      const u = await api('/api/privacy/regulations', { body: { regulationType: 'UNSUPPRESS', subjectType: 'USER_ID', subjectIds: ['cat'] } });
      assert.equal(u.body.receipt.lifted, 1);
      await http(`${server.url}/v1/track`, { auth: write, body: { userId: 'cat', event: 'X' } });
      assert.equal(await events('cat'), 2);
      const ex = await api('/api/privacy/regulations', { body: { regulationType: 'EXPORT', subjectType: 'USER_ID', subjectIds: ['cat', 'nobody-at-all'] } });
      assert.equal(ex.body.status, 'done', JSON.stringify(ex.body));
      assert.deepEqual([ex.body.kind, ex.body.receipt.customers.length, ex.body.receipt.notFound], ['export', 1, 1]);
      const [catId] = ex.body.receipt.customers as number[];
      const zip = await fetch(`${server.url}/api/privacy/requests/${ex.body.id}/archive`, { headers: { authorization: admin } });
      assert.equal(zip.status, 200);
      assert.equal(zip.headers.get('content-type'), 'application/zip');
      const files = readZip(Buffer.from(await zip.arrayBuffer()));
      const person = JSON.parse(files.get(`customer-${catId}/person.json`)!.toString('utf8')) as { customerId: number; profile: { user_id?: string; userId?: string } };
      assert.equal(person.customerId, catId);
      assert.match(JSON.stringify(person.profile), /"cat"/);
      assert.ok(files.has(`customer-${catId}/events.csv`));
      assert.equal([...files.keys()].filter((f) => !f.startsWith(`customer-${catId}/`)).length, 0, 'only the person found');
      const notExport = await api(`/api/privacy/requests/${s.body.id}/archive`);
      assert.equal(notExport.status, 404);
      assert.match(notExport.body.error.message, /not an export/);
      const many = await api('/api/privacy/regulations', { body: { regulationType: 'DELETE_ONLY', subjectType: 'USER_ID', subjectIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) } });
      assert.equal(many.status, 400, JSON.stringify(many.body));
      assert.match(JSON.stringify(many.body), /at most 1,000/);
    });

    it('POST /api/customers/:id/erase erases now and answers the receipt; DELETE_ONLY lets them come back; unknown is 404', async () => {
      const r = await api('/api/customers/cat/erase', { body: { suppress: false } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.customers, 1);
      assert.equal(r.body.suppressed, false);
      assert.equal(r.body.erasedBy.length > 0, true);
      assert.equal(r.body.tables.find((t: { table: string }) => t.table === 'events').rows, 2, 'the identify and the track after the lift');
      assert.equal(await events('cat'), 0);
      await http(`${server.url}/v1/track`, { auth: write, body: { userId: 'cat', event: 'Back' } });
      assert.equal(await events('cat'), 1, 'not suppressed: a new profile');
      const none = await api('/api/customers/nobody/erase', { body: {} });
      assert.deepEqual([none.status, none.body.error.code], [404, 'not_found']);
      const g = await api('/api/privacy/requests/999999');
      assert.equal(g.status, 404);
    });
  });
}
