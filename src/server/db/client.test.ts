import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openDb } from './client.js';
import { migrate } from './migrate.js';

describe('PGlite data directory', () => {
  it('keeps data across close and reopen, and refuses a second live process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenure-db-'));
    try {
      const db = await openDb({ dataDir: dir });
      await migrate(db);
      await db.query(`INSERT INTO workspaces (slug, name, write_key_hash, admin_key_hash) VALUES ('w', 'W', 'a', 'b')`);
      await db.close();

      // Another live process holds the directory.
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      writeFileSync(join(dir, 'tenure.pid'), String(other.pid));
      await assert.rejects(openDb({ dataDir: dir }), /in use by another Tenure process/);
      other.kill();
      await new Promise((r) => other.once('exit', r));

      // Its pid file is now stale: taken over.
      const again = await openDb({ dataDir: dir });
      await migrate(again);
      const { rows } = await again.query<{ slug: string }>('SELECT slug FROM workspaces');
      assert.deepEqual(rows, [{ slug: 'w' }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
