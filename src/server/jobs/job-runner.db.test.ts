import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { JobRunner } from './job-runner.js';
import { enqueueJob } from './jobs.repo.js';

async function statusOf(db: Db, id: number): Promise<{ status: string; error: string | null }> {
  const { rows } = await db.query<{ status: string; error: string | null }>(`SELECT status, error FROM jobs WHERE id = $1`, [id]);
  return rows[0]!;
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const target of dbTargets()) {
  describe(`job runner at shutdown (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('a job that reports progress ends at its next report when the runner stops, and is queued again (not failed)', async () => {
      const ws = (await makeWorkspace(db, 'jr-progress')).workspace.id;
      const job = await enqueueJob(db, ws, 'test.progress');
      let steps = 0;
      const runner = new JobRunner(db, {
        'test.progress': async (_job, progress) => {
          for (let i = 0; i < 10_000; i++) {
            steps = i;
            progress(i, 10_000);
            await new Promise((r) => setTimeout(r, 5));
          }
        },
      });
      runner.start();
      await until('the job to start', () => steps > 3);
      const t0 = Date.now();
      await runner.stop();
      assert.ok(Date.now() - t0 < 1_000, `stop took ${Date.now() - t0} ms`);
      assert.ok(steps < 9_000);
      assert.deepEqual(await statusOf(db, job.id), { status: 'queued', error: null });
    });

    it('a job that does not report is left after the wait and queued again; a runner started later does it', async () => {
      const ws = (await makeWorkspace(db, 'jr-silent')).workspace.id;
      const job = await enqueueJob(db, ws, 'test.silent');
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let started = false;
      const runner = new JobRunner(db, {
        'test.silent': async () => {
          started = true;
          await held;
        },
      });
      runner.start();
      await until('the job to start', () => started);
      assert.equal((await statusOf(db, job.id)).status, 'running');
      const t0 = Date.now();
      await runner.stop(300);
      const ms = Date.now() - t0;
      assert.ok(ms >= 250 && ms < 2_000, `stop took ${ms} ms`);
      assert.equal((await statusOf(db, job.id)).status, 'queued');
      // A fresh runner (the next process) takes it at once, not after the stale-heartbeat delay.
      let done = 0;
      const next = new JobRunner(db, { 'test.silent': async () => void done++ });
      next.start();
      await until('the job to be done', async () => (await statusOf(db, job.id)).status === 'done');
      await next.stop();
      assert.equal(done, 1);
      release(); // (the first process would have exited by now)
      await runner.idle();
    });
  });
}
