import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { findCustomerId, getCustomer } from '../identity/customers.read.js';
import { importCsv } from './csv-import.js';
import { computeSegment } from '../segments/segment-sync.js';
import { insertSegment, segmentMembers } from '../segments/segments.repo.js';

const dir = mkdtempSync(join(tmpdir(), 'tenure-csv-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

for (const target of dbTargets()) {
  describe(`tenure import (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'csv')).workspace.id;
    });
    after(() => db.close());

    it('imports customers with typed traits; empty cells set nothing', async () => {
      const path = file('customers.csv', 'user_id,email,plan,seats:number,vip:boolean,renewal_date:date,address.city\nc1,c1@x.io,pro,5,yes,2026-01-31,Lyon\nc2,c2@x.io,,12,no,,\n');
      const r = await importCsv(db, ws, 'customers', path, { progress: false });
      assert.deepEqual(r, { accepted: 2, duplicates: 0, rejected: [], rejectedTotal: 0, rows: 2, bytes: 132, stopped: false });
      const c1 = await getCustomer(db, ws, (await findCustomerId(db, ws, 'c1'))!);
      assert.deepEqual(c1?.traits, { email: 'c1@x.io', plan: 'pro', seats: 5, vip: true, renewal_date: '2026-01-31T00:00:00.000Z', address: { city: 'Lyon' } });
      const c2 = await getCustomer(db, ws, (await findCustomerId(db, ws, 'c2'))!);
      assert.deepEqual(c2?.traits, { email: 'c2@x.io', seats: 12, vip: false });
    });

    it('keeps good event rows, reports bad ones with their line and column, and re-imports as duplicates', async () => {
      const csv = [
        'event,user_id,anonymous_id,timestamp,properties.revenue:number,properties.note,context.campaign.source', // line 1
        'Order Completed,e1,,2025-01-02T10:00:00Z,30,"a note', // line 2: a quoted field spanning two lines
        'with a newline",google', // line 3
        'Order Completed,e1,,2025-01-03,abc,,', // line 4: bad number
        'Order Completed,,,2025-01-04,5,,', // line 5: no user
        'Page Viewed,e2,,not-a-date,,,', // line 6: bad timestamp
        'Order Completed,e2,,2025-01-05,12.5', // line 7: too few fields
        'Signed Up,e2,,2025-01-01,,,', // line 8: good
      ].join('\n');
      const path = file('events.csv', `${csv}\n`);
      const r = await importCsv(db, ws, 'events', path, { progress: false });
      assert.equal(r.accepted, 2);
      assert.deepEqual(
        r.rejected.map((x) => [x.line, x.field]),
        [
          [4, 'properties.revenue:number'],
          [5, 'user_id'],
          [6, 'timestamp'],
          [7, undefined],
        ],
      );
      assert.match(r.rejected[0]!.message, /"abc" is not a number/);
      const { rows } = await db.query<{ properties: { revenue: number; note: string }; context: { campaign: { source: string } }; timestamp: Date }>(
        `SELECT properties, context, timestamp FROM events WHERE workspace_id = $1 AND user_id = 'e1' AND type <> 'tenure'`,
        [ws],
      );
      assert.deepEqual(rows[0]!.properties, { revenue: 30, note: 'a note\nwith a newline' });
      assert.equal(rows[0]!.context.campaign.source, 'google');
      assert.equal(rows[0]!.timestamp.toISOString(), '2025-01-02T10:00:00.000Z');

      const again = await importCsv(db, ws, 'events', path, { progress: false });
      assert.equal(again.accepted, 0);
      assert.equal(again.duplicates, 2);
    });

    it('merges an anonymous history into the known customer, as the API does', async () => {
      const path = file('merge.csv', 'event,user_id,anonymous_id,timestamp\nProduct Viewed,,anon-csv,2025-02-01T00:00:00Z\nSigned Up,known-csv,anon-csv,2025-02-02T00:00:00Z\n');
      const r = await importCsv(db, ws, 'events', path, { progress: false });
      assert.equal(r.accepted, 2);
      assert.equal(await findCustomerId(db, ws, 'anon-csv'), await findCustomerId(db, ws, 'known-csv'));
    });

    it('keeps the rows before a CSV syntax error, reports its line, and caps the listed rejections', async () => {
      const csv = [
        'event,user_id,timestamp,properties.n:number', // line 1
        'A,syn-1,2025-03-01,x', // line 2: bad number
        'A,syn-1,2025-03-02,y', // line 3: bad number
        'A,syn-1,2025-03-03,3', // line 4: good
        'A,syn-1,2025-03-04,"4', // line 5: an unclosed quote swallows the rest of the file
        'A,syn-1,2025-03-05,5',
      ].join('\n');
      const r = await importCsv(db, ws, 'events', file('syntax.csv', `${csv}\n`), { progress: false, maxRejected: 1 });
      assert.equal(r.accepted, 1);
      assert.equal(r.rejectedTotal, 3);
      assert.deepEqual(
        r.rejected.map((x) => x.line),
        [2],
      );
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND user_id = 'syn-1' AND type <> 'tenure'`, [ws]);
      assert.equal(rows[0]!.n, 1);
    });

    it('rejects rows with absurdly nested JSON or times outside 1970 … 2100, naming the column, and keeps the others', async () => {
      const deep = `"{""a"":${'['.repeat(100_000)}1${']'.repeat(100_000)}}"`;
      const csv = [
        'user_id,event,timestamp,properties,context.extra:json',
        `h1,Fine,2025-01-01T00:00:00Z,"{""a"":[[1]]}",`,
        `h1,Deep,2025-01-01T00:00:00Z,${deep},`,
        `h1,Deep Column,2025-01-01T00:00:00Z,,"${'['.repeat(40)}${']'.repeat(40)}"`,
        'h1,Too Early,1969-12-31T00:00:00Z,,',
        'h1,Too Late,2100-01-01T00:00:00Z,,',
        'h1,Historical,1997-01-01,,',
      ].join('\n');
      const r = await importCsv(db, ws, 'events', file('hostile.csv', `${csv}\n`), { progress: false });
      assert.equal(r.accepted, 2);
      assert.deepEqual(
        r.rejected.map((x) => [x.line, x.field]),
        [
          [3, 'properties'],
          [4, 'context.extra:json'],
          [5, 'timestamp'],
          [6, 'timestamp'],
        ],
      );
      assert.match(r.rejected[0]!.message, /nested more than 32 levels deep/);
      assert.match(r.rejected[2]!.message, /outside the accepted range 1970-01-01T00:00:00Z … 2100-01-01T00:00:00Z/);
    });

    it('refuses a file without a required column before writing anything, naming the file and column', async () => {
      const before = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type <> 'tenure'")).rows[0]!.n;
      const path = file('nots.csv', 'event,user_id\nSigned Up,x\n');
      await assert.rejects(importCsv(db, ws, 'events', path, { progress: false }), (err: Error) => err.message.includes('nots.csv') && err.message.includes('"timestamp"'));
      await assert.rejects(importCsv(db, ws, 'events', join(dir, 'missing.csv'), { progress: false }), /missing\.csv: no such file/);
      const after = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type <> 'tenure'")).rows[0]!.n;
      assert.equal(after, before);
    });

    it('brings segment memberships up to date for the customers it imported', async () => {
      const own = (await makeWorkspace(db, 'csv-segments')).workspace.id;
      const big = await insertSegment(db, own, 'big', {
        name: 'big spenders',
        description: '',
        condition: { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 100 } },
      });
      await computeSegment(db, own, big.id, new Date());
      const csv = ['event,user_id,timestamp,properties.revenue:number', 'Order Completed,s1,2025-03-01,60', 'Order Completed,s1,2025-04-01,50', 'Order Completed,s2,2025-03-01,40', ''].join('\n');
      const r = await importCsv(db, own, 'events', file('orders.csv', csv), { progress: false });
      assert.equal(r.accepted, 3);
      const members = await segmentMembers(db, own, big.id, { limit: 10 });
      assert.deepEqual(
        members.map((m) => m.userId),
        ['s1'],
        's1 spent 110, s2 only 40',
      );
    });
  });
}

after(() => rmSync(dir, { recursive: true, force: true }));
