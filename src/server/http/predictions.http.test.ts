import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { seedDemo } from '../demo/demo.js';
import { dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`predictions admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let emptyAdmin: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const finished = (id: number, auth = admin) =>
      until(
        `job ${id}`,
        async () => {
          const j = (await http(`${server.url}/api/jobs/${id}`, { auth })).body;
          return j.status === 'done' || j.status === 'failed' ? j : undefined;
        },
        60_000,
      );

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'predictions-http');
      admin = `Bearer ${keys.adminKey}`;
      emptyAdmin = `Bearer ${(await makeWorkspace(db, 'predictions-empty')).adminKey}`;
      // The demo business up to now: the API trains as of the clock.
      await seedDemo(db, keys.workspace.id, { customers: 700, seed: 3, predictions: false }); // trained below, over the API
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('needs the admin key', async () => {
      assert.equal((await http(`${server.url}/api/predictions/models`)).status, 401);
      assert.equal((await http(`${server.url}/api/predictions/churn/train`, { body: {} })).status, 401);
    });

    it('refuses a bad horizon with 400', async () => {
      const r = await api('/api/predictions/churn/train', { body: { horizonDays: 3 } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'validation_failed');
    });

    it('trains as a job with progress, then lists the model and serves each customer’s score and reasons', async () => {
      assert.deepEqual((await api('/api/predictions/models')).body, { models: [] });
      const started = await api('/api/predictions/churn/train', { body: {} });
      assert.equal(started.status, 202);
      assert.equal(started.body.job.kind, 'predict.churn');
      const job = await finished(started.body.job.id);
      assert.equal(job.status, 'done', job.error);
      assert.equal(job.done, job.total);

      const models = (await api('/api/predictions/models')).body.models;
      assert.equal(models.length, 1);
      const m = models[0];
      assert.equal(m.kind, 'churn');
      assert.equal(m.horizonDays, 90);
      assert.ok(m.metrics.auc > 0.6, `AUC ${m.metrics.auc}`);
      assert.ok(m.metrics.brier < m.metrics.brierBaseline);
      assert.equal(m.parameters.coefficients.length, m.features.length);
      assert.ok(m.features.includes('days_since_last_seen'));

      const { rows } = await db.query<{ user_id: string; score: number }>(
        `SELECT c.user_id, p.score FROM customer_predictions p JOIN customers c ON c.id = p.customer_id ORDER BY p.score DESC, c.id LIMIT 1`,
      );
      const p = await api(`/api/customers/${rows[0]!.user_id}/predictions`);
      assert.equal(p.status, 200);
      assert.equal(p.body.predictions.length, 1);
      const churn = p.body.predictions[0];
      assert.equal(churn.kind, 'churn');
      assert.equal(churn.score, rows[0]!.score);
      assert.equal(churn.modelId, m.id);
      assert.ok(churn.factors.length > 0 && typeof churn.factors[0].feature === 'string' && typeof churn.factors[0].contribution === 'number');
    });

    it('fails the job with the reason when the workspace has too little history', async () => {
      const started = await http(`${server.url}/api/predictions/churn/train`, { auth: emptyAdmin, body: { horizonDays: 30 } });
      assert.equal(started.status, 202);
      const job = await finished(started.body.job.id, emptyAdmin);
      assert.equal(job.status, 'failed');
      assert.match(job.error, /training snapshot .* 30-day horizon\) has 0 customers/);
    });

    it('404s an unknown customer', async () => {
      const r = await api('/api/customers/nobody-here/predictions');
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'not_found');
    });
  });
}
