import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

const target = dbTargets()[0]!;

describe('dashboard serving', () => {
  let db: Db;
  let built: Awaited<ReturnType<typeof startServer>>;
  let unbuilt: Awaited<ReturnType<typeof startServer>>;
  let adminKey: string;
  before(async () => {
    db = await target.open();
    ({ adminKey } = await makeWorkspace(db));
    const dir = mkdtempSync(join(tmpdir(), 'tenure-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("tenure")');
    built = await startServer(db, { dashboardDir: dir });
    unbuilt = await startServer(db, { dashboardDir: mkdtempSync(join(tmpdir(), 'tenure-empty-')) });
  });
  after(async () => {
    await built.close();
    await unbuilt.close();
    await db.close();
  });

  const html = { accept: 'text/html,application/xhtml+xml' };

  it('serves index.html at / and for client-side routes, never cached', async () => {
    for (const path of ['/', '/customers/42', '/segments/new?tab=rfm', '/journeys/abc']) {
      const res = await fetch(built.url + path, { headers: html });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /<div id="root">/, path);
    }
  });

  it('serves hashed assets with a year of caching', async () => {
    const res = await fetch(built.url + '/assets/index-abc123.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.equal(await res.text(), 'console.log("tenure")');
  });

  it('keeps JSON 404s for the APIs, missing files and non-HTML requests', async () => {
    for (const [path, headers] of [
      ['/api/nope', html],
      ['/v1/nope', html],
      ['/assets/missing.js', html],
      ['/customers/42', { accept: 'application/json' }],
    ] as const) {
      const r = await http(built.url + path, { headers });
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error.code, 'not_found', path);
    }
  });

  it('leaves the admin API alone: GET /api/workspace answers with the key', async () => {
    const r = await http(built.url + '/api/workspace', { auth: `Bearer ${adminKey}` });
    assert.equal(r.status, 200);
    assert.equal(r.body.slug, 'default');
    assert.equal((await http(built.url + '/api/workspace')).status, 401);
  });

  it('says how to build the dashboard when it is not built, and the API still works', async () => {
    const res = await fetch(unbuilt.url + '/', { headers: html });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build/);
    assert.equal((await http(unbuilt.url + '/api/workspace', { auth: `Bearer ${adminKey}` })).status, 200);
  });
});
