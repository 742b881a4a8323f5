import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, serverTargets, spawnServer } from '../src/test-support/child-server.js';
import { http } from '../src/test-support/harness.js';
import { startSmtpSink } from '../src/test-support/smtp-sink.js';

/**
 * `tenure serve` as shipped: the server secret that seals saved provider credentials
 * survives a restart (generated into the PGlite data directory; TENURE_SECRET with
 * PostgreSQL), and PostgreSQL without TENURE_SECRET refuses to save a password in words.
 */
const ADMIN_KEY = 'ta_providers_admin_key_0123456789abcdef';
const PASSWORD = 'restart-Pw-Tiger-3302';
const SECRET = 'providers-restart-test-server-secret-0123456789';

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

for (const target of serverTargets('providers')) {
  describe(`saved provider credentials across a restart (${target.name})`, () => {
    after(() => target.cleanup());

    it('a password saved before the restart still logs in after it', { timeout: 180_000 }, async () => {
      const sink = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
      const base = await target.env();
      const env = { ...base, TENURE_ADMIN_KEY: ADMIN_KEY, TENURE_SECRET: '' };
      const auth = `Bearer ${ADMIN_KEY}`;
      const provider = { kind: 'smtp', host: '127.0.0.1', port: Number(new URL(sink.url).port), security: 'none', username: 'mailer', password: PASSWORD, from: 'ops@example.test' };
      try {
        if (target.name === 'postgres') {
          // No TENURE_SECRET: refused, saying what to set; nothing saved.
          const bare = await spawnServer(env, await freePort());
          try {
            const r = await http(`${bare.url}/api/providers/email`, { method: 'PUT', auth, body: provider });
            assert.deepEqual([r.status, r.body.error.code], [409, 'secret_unavailable']);
            assert.match(r.body.error.message, /TENURE_SECRET is not set/);
            const v = await http(`${bare.url}/api/providers`, { auth });
            assert.equal(v.body.secretStorage.available, false);
          } finally {
            await stop(bare.child);
          }
          env.TENURE_SECRET = SECRET;
        }
        const first = await spawnServer(env, await freePort());
        try {
          const r = await http(`${first.url}/api/providers/email`, { method: 'PUT', auth, body: provider });
          assert.equal(r.status, 200, JSON.stringify(r.body));
        } finally {
          await stop(first.child);
        }
        if (target.name === 'pglite') {
          const file = join(base.TENURE_DATA_DIR!, 'server-secret');
          assert.equal(statSync(file).mode & 0o777, 0o600, 'the generated secret is readable by its owner only');
        }
        const second = await spawnServer(env, await freePort());
        try {
          const t = await http(`${second.url}/api/providers/email/test`, { auth, body: { to: 'ops@example.test' } });
          assert.equal(t.status, 200, JSON.stringify(t.body));
          assert.equal(sink.mails.length, 1);
          assert.equal(sink.mails[0]!.subject, 'Tenure test message');
          assert.ok(!second.output().includes(PASSWORD), 'the password is in no log line');
        } finally {
          await stop(second.child);
        }
      } finally {
        await sink.close();
      }
    });
  });
}
