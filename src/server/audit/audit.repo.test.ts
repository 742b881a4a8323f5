import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { AUDIT_CSV_HEADER, auditCsv, recordAudit, searchAudit } from './audit.repo.js';
import { REDACTED, redact } from './redact.js';

const ana = { kind: 'user' as const, id: 7, label: 'ana@example.com' };
const bot = { kind: 'key' as const, id: 3, label: 'CI deploy' };

describe('redact', () => {
  it('replaces secrets by name and by look, keeps identifiers named key', () => {
    const out = redact({
      name: 'SMTP',
      password: 'hunter2',
      settings: { authToken: 'abc', apiKey: 'k', client_secret: 's', user: 'u' },
      key: { id: 4, name: 'CI' },
      secret: 'ta_0123456789abcdefghijABCD',
      stages: [{ key: 'retention', name: 'Retention' }],
      idempotency: { key: 'Order #12 refund' },
      note: 'rotated to tw_AbCdEfGhIjKlMnOpQrSt12 today',
      url: 'https://bob:pa55@smtp.example.com/x',
      link: 'https://app/invite/xyz',
      writeKey: 'tw_x',
      tokenHash: 'ff',
      at: new Date('2026-01-02T03:04:05Z'),
    });
    assert.deepEqual(out, {
      name: 'SMTP',
      password: REDACTED,
      settings: { authToken: REDACTED, apiKey: REDACTED, client_secret: REDACTED, user: 'u' },
      key: { id: 4, name: 'CI' },
      secret: REDACTED,
      stages: [{ key: 'retention', name: 'Retention' }],
      idempotency: { key: REDACTED },
      note: `rotated to ${REDACTED} today`,
      url: 'https://smtp.example.com/x',
      link: REDACTED,
      writeKey: REDACTED,
      tokenHash: REDACTED,
      at: '2026-01-02T03:04:05.000Z',
    });
  });
});

for (const target of dbTargets()) {
  describe(`audit log (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let other: number;

    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'audit-repo')).workspace.id;
      other = (await makeWorkspace(db, 'audit-other')).workspace.id;
    });
    after(async () => {
      await db.close();
    });

    it('is append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
      const id = await recordAudit(db, { workspaceId: ws, actor: ana, action: 'probe.create', objectType: 'probe', objectId: 'p1', after: { v: 1 } });
      await assert.rejects(db.query(`UPDATE audit_log SET action = 'forged' WHERE id = $1`, [id]), /append-only: UPDATE refused/);
      await assert.rejects(db.query(`DELETE FROM audit_log WHERE id = $1`, [id]), /append-only: DELETE refused/);
      await assert.rejects(db.query(`TRUNCATE audit_log`), /append-only: TRUNCATE refused/);
      const { rows } = await db.query<{ action: string; n: number }>(`SELECT action, (SELECT count(*)::int FROM audit_log) AS n FROM audit_log WHERE id = $1`, [id]);
      assert.deepEqual(rows, [{ action: 'probe.create', n: 1 }]);
    });

    it('stores no secret whoever records', async () => {
      const id = await recordAudit(db, {
        workspaceId: other,
        actor: bot,
        action: 'provider.save',
        objectType: 'provider',
        objectId: 'email',
        before: null,
        after: { settings: { host: 'smtp.example.com', password: 'Sup3rSecret!' }, answer: { secret: 'tk_abcdefghijklmnopqrstuvwxyz' } },
      });
      const { rows } = await db.query<{ t: string }>(`SELECT after::text AS t FROM audit_log WHERE id = $1`, [id]);
      assert.doesNotMatch(rows[0]!.t, /Sup3rSecret|tk_abcdef/);
      assert.match(rows[0]!.t, /smtp\.example\.com/);
    });

    it('searches by words, filters and pages newest first', async () => {
      // Five more entries in `ws` (ids ascending), one of them dated last year.
      const seg = (name: string) => ({ name, condition: { trait: { path: 'plan', op: 'eq', value: 'pro' } } });
      const a = await recordAudit(db, { workspaceId: ws, actor: ana, action: 'segment.create', objectType: 'segment', objectId: 'seg_1', before: null, after: seg('Big spenders'), ip: '10.0.0.1' });
      const b = await recordAudit(db, { workspaceId: ws, actor: ana, action: 'segment.update', objectType: 'segment', objectId: 'seg_1', before: seg('Big spenders'), after: seg('Whales') });
      const c = await recordAudit(db, { workspaceId: ws, actor: bot, action: 'journey.publish', objectType: 'journey', objectId: 'jrn_9', after: { name: 'Welcome whales' } });
      const d = await recordAudit(db, { workspaceId: ws, actor: bot, action: 'key.create', objectType: 'api_key', objectId: '5', after: { key: { id: 5, name: 'Zapier' } } });
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO audit_log (workspace_id, at, actor_kind, actor_id, actor_label, action, object_type) VALUES ($1, '2025-06-01T00:00:00Z', 'system', NULL, 'Tenure', 'workspace.purge', 'workspace') RETURNING id`,
        [ws],
      );
      const old = Number(rows[0]!.id);
      const ids = async (q: Parameters<typeof searchAudit>[2]) => (await searchAudit(db, ws, q)).entries.map((e) => e.id);

      // Every entry of ws, newest id first: d, c, b, a, old, probe (the other workspace's entry never shows).
      const all = await ids({});
      assert.equal(all.length, 6);
      assert.deepEqual(all.slice(0, 5), [old, d, c, b, a]);
      assert.deepEqual(await ids({ q: 'whales' }), [c, b], 'in the after text of b and c');
      assert.deepEqual(await ids({ q: 'WHALES ana@' }), [b], 'every word must match; the actor counts');
      assert.deepEqual(await ids({ q: 'big spenders' }), [b, a], 'b has it before, a after');
      assert.deepEqual(await ids({ q: '100%' }), [], 'LIKE wildcards are literal');
      assert.deepEqual(await ids({ objectType: 'segment', objectId: 'seg_1' }), [b, a]);
      assert.deepEqual(await ids({ action: 'segment.' }), [b, a]);
      assert.deepEqual(await ids({ action: 'segment' }), [], 'without the dot: exact');
      assert.deepEqual(await ids({ actor: 'CI DEPLOY' }), [d, c]);
      assert.deepEqual(await ids({ actor: 'key:3' }), [d, c]);
      assert.deepEqual(await ids({ actor: 'user:7' }), [b, a, all[5]!]);
      assert.deepEqual(await ids({ to: '2026-01-01T00:00:00Z' }), [old]);
      assert.deepEqual(await ids({ from: '2026-01-01T00:00:00Z', action: 'workspace.purge' }), []);

      const p1 = await searchAudit(db, ws, { limit: 4 });
      assert.deepEqual(
        p1.entries.map((e) => e.id),
        [old, d, c, b],
      );
      assert.equal(p1.next, b);
      const p2 = await searchAudit(db, ws, { limit: 4, before: p1.next! });
      assert.deepEqual(
        p2.entries.map((e) => e.id),
        [a, all[5]!],
      );
      assert.equal(p2.next, null);

      const e = (await searchAudit(db, ws, { objectId: 'seg_1', action: 'segment.update' })).entries[0]!;
      assert.deepEqual(e.actor, ana);
      assert.equal((e.before as { name: string }).name, 'Big spenders');
      assert.equal((e.after as { name: string }).name, 'Whales');
      assert.equal(e.ip, null);
      assert.equal((await searchAudit(db, ws, { objectId: 'seg_1', action: 'segment.create' })).entries[0]!.ip, '10.0.0.1');
    });

    it('exports CSV in pages, quoted, with formulas defused', async () => {
      await recordAudit(db, {
        workspaceId: other,
        actor: { kind: 'user', id: 1, label: '=HYPERLINK("x")' },
        action: 'segment.create',
        objectType: 'segment',
        objectId: 's,1',
        after: { name: 'a "b"' },
      });
      let csv = '';
      for await (const chunk of auditCsv(db, other, {}, 1)) csv += chunk;
      const lines = csv.trimEnd().split('\n');
      assert.equal(lines[0] + '\n', AUDIT_CSV_HEADER);
      assert.equal(lines.length, 3, 'header and the two entries of the other workspace');
      assert.match(lines[1]!, /^\d+,[^,]+,user,1,"'=HYPERLINK\(""x""\)",segment\.create,segment,"s,1",,"\{""name"":""a \\""b\\""""\}",$/);
      assert.match(lines[2]!, /,key,3,CI deploy,provider\.save,provider,email,,"\{""answer"":\{""secret"":""\[redacted\]""\},/);
    });
  });
}
