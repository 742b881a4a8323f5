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

for (const target of dbTargets()) {
  describe(`job runner after a failure (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    const row = async (id: number) => (await db.query<{ status: string; attempts: number; error: string | null }>(`SELECT status, attempts, error FROM jobs WHERE id = $1`, [id])).rows[0]!;
    /** An error as node-postgres gives a statement timeout or a deadlock. */
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

    it('a statement timeout or deadlock queues the job again after a pause, and the next run finishes it', async () => {
      const ws = (await makeWorkspace(db, 'jr-retry')).workspace.id;
      const job = await enqueueJob(db, ws, 'test.flaky');
      const runs: number[] = [];
      const runner = new JobRunner(
        db,
        {
          'test.flaky': async () => {
            runs.push(Date.now());
            if (runs.length === 1) throw pgError('57014', 'canceling statement due to statement timeout');
            if (runs.length === 2) throw pgError('40P01', 'deadlock detected');
          },
        },
        { pollMs: 50, retryDelayMs: 200 },
      );
      runner.start();
      await until('the first failure', () => runs.length === 1);
      await until('the job to be queued again', async () => (await row(job.id)).status === 'queued');
      assert.deepEqual(await row(job.id), { status: 'queued', attempts: 1, error: 'will try again: canceling statement due to statement timeout' });
      await until('the job to be done', async () => (await row(job.id)).status === 'done');
      await runner.stop();
      assert.equal(runs.length, 3);
      // Backoff: 200 ms after the first failure, 400 ms after the second.
      assert.ok(runs[1]! - runs[0]! >= 190, `second run ${runs[1]! - runs[0]!} ms after the first`);
      assert.ok(runs[2]! - runs[1]! >= 390, `third run ${runs[2]! - runs[1]!} ms after the second`);
      assert.deepEqual(await row(job.id), { status: 'done', attempts: 2, error: null });
    });

    it('fails for good after five runs that each failed in passing, and at once on any other error', async () => {
      const ws = (await makeWorkspace(db, 'jr-giveup')).workspace.id;
      const stuck = await enqueueJob(db, ws, 'test.stuck');
      const broken = await enqueueJob(db, ws, 'test.broken');
      let stuckRuns = 0;
      let brokenRuns = 0;
      const runner = new JobRunner(
        db,
        {
          'test.stuck': async () => {
            stuckRuns++;
            throw pgError('55P03', 'canceling statement due to lock timeout');
          },
          'test.broken': async () => {
            brokenRuns++;
            throw new TypeError('cannot read properties of undefined');
          },
        },
        { pollMs: 20, retryDelayMs: 10 },
      );
      runner.start();
      await until('the stuck job to fail', async () => (await row(stuck.id)).status === 'failed');
      await until('the broken job to fail', async () => (await row(broken.id)).status === 'failed');
      await runner.stop();
      assert.equal(stuckRuns, 5);
      assert.deepEqual(await row(stuck.id), { status: 'failed', attempts: 4, error: 'canceling statement due to lock timeout' });
      assert.equal(brokenRuns, 1);
      assert.deepEqual(await row(broken.id), { status: 'failed', attempts: 0, error: 'cannot read properties of undefined' });
    });
  });
}
