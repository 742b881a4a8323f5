import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killHard, serverTargets, spawnServer } from '../src/test-support/child-server.js';

const MAIN = fileURLToPath(new URL('../src/server/main.ts', import.meta.url));
const ADMIN_KEY = 'ta_import_while_serving_0123456789abcdef';

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', TENURE_DEMO: 'false', ...env }, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const files = mkdtempSync(join(tmpdir(), 'tenure-import-serving-'));
after(() => rmSync(files, { recursive: true, force: true }));

for (const target of serverTargets('import-serving')) {
  describe(`tenure import while the server runs (${target.name})`, () => {
    let child: ChildProcess | undefined;
    after(async () => {
      if (child) await killHard(child);
      await target.cleanup();
    });

    it('imports the file (through the API on PGlite), names file, line and field of bad rows, and the server sees the rows', async () => {
      const port = await freePort();
      const env = { ...(await target.env()), TENURE_ADMIN_KEY: ADMIN_KEY, TENURE_WRITE_KEY: 'tw_import_while_serving_0123456789abcdef', PORT: String(port) };
      const server = await spawnServer(env, port);
      child = server.child;
      const rows = ['user_id,event,timestamp,properties.revenue:number'];
      for (let i = 0; i < 2000; i++) rows.push(`w${i % 100},Order Completed,2026-03-${String(1 + (i % 28)).padStart(2, '0')},${i}`);
      rows.splice(3, 0, 'w1,Order Completed,yesterday,5'); // line 4
      rows.splice(7, 0, 'w2,Order Completed,2026-03-01,a lot'); // line 8
      const path = join(files, `orders-${target.name}.csv`);
      writeFileSync(path, `${rows.join('\n')}\n`);

      const r = await cli(env, 'import', 'events', path);
      assert.equal(r.code, 1, `exit 1: rows were rejected\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 2000 rows imported, 0 already present, 2 rejected`));
      assert.ok(r.stdout.includes(`${path}:4 [timestamp]: "yesterday" is not an ISO-8601 date`), r.stdout);
      assert.ok(r.stdout.includes(`${path}:8 [properties.revenue:number]: "a lot" is not a number`), r.stdout);
      if (target.name === 'pglite') assert.match(r.stderr, new RegExp(`a Tenure server \\(pid ${child.pid}\\) is using .*: importing through its API at http://127\\.0\\.0\\.1:${port}`));
      else assert.doesNotMatch(r.stderr, /through its API/, 'PostgreSQL: written directly, many processes share it');

      const customer = await fetch(`${server.url}/api/customers/w7`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal(customer.status, 200, 'the running server sees the imported customer');
      const list = await fetch(`${server.url}/api/imports`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const imports = ((await list.json()) as { imports: Array<{ fileName: string; accepted: number }> }).imports;
      if (target.name === 'pglite')
        assert.deepEqual(
          imports.map((i) => [i.fileName, i.accepted]),
          [[`orders-${target.name}.csv`, 2000]],
        );

      if (target.name === 'pglite') {
        const { TENURE_ADMIN_KEY: _, ...noKey } = env;
        const refused = await cli({ ...noKey, TENURE_ADMIN_KEY: '' }, 'import', 'events', path);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, new RegExp(`a Tenure server \\(pid ${child.pid}\\) is using the data directory .*pass --admin-key`));
      }
    });
  });
}
