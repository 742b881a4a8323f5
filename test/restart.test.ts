import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, killHard, serverTargets, spawnServer } from '../src/test-support/child-server.js';
import { basic, http } from '../src/test-support/harness.js';

const WRITE_KEY = 'tw_restart_write_key_0123456789abcdef';
const ADMIN_KEY = 'ta_restart_admin_key_0123456789abcdef';

const targets = serverTargets('restart');

for (const target of targets) {
  describe(`a server killed mid-ingestion (${target.name})`, () => {
    after(() => target.cleanup());

    it('loses nothing that got a 200, and stores nothing twice when clients retry after the restart', async () => {
      const env = { ...(await target.env()), TENURE_WRITE_KEY: WRITE_KEY, TENURE_ADMIN_KEY: ADMIN_KEY };
      const port = await freePort();
      const first = await spawnServer(env, port);
      const acked = new Set<string>();
      const sent: Array<{ batch: unknown[] }> = [];
      let stop = false;
      const client = async (c: number) => {
        for (let b = 0; !stop; b++) {
          const batch = Array.from({ length: 50 }, (_, i) => ({
            type: 'track',
            userId: `restart-${c}-${(b * 50 + i) % 40}`,
            event: 'Ping',
            messageId: `r-${c}-${b}-${i}`,
            properties: { b, i },
          }));
          sent.push({ batch });
          try {
            const r = await http(`${first.url}/v1/batch`, { auth: basic(WRITE_KEY), body: { batch } });
            if (r.status === 200) for (const e of batch) acked.add(e.messageId);
          } catch {
            return; // connection reset by the kill
          }
        }
      };
      const clients = [0, 1, 2, 3].map(client);
      await new Promise((r) => setTimeout(r, 1500));
      await killHard(first.child);
      stop = true;
      await Promise.all(clients);
      assert.ok(acked.size >= 200, `only ${acked.size} events were acknowledged before the kill`);

      const second = await spawnServer(env, port);
      try {
        // Clients retry everything they sent (some may have been committed without a reply).
        for (const body of sent) assert.equal((await http(`${second.url}/v1/batch`, { auth: basic(WRITE_KEY), body })).status, 200);
        const stored = new Set<string>();
        for (let c = 0; c < 4; c++) {
          for (let u = 0; u < 40; u++) {
            let cursor: string | null = null;
            do {
              const page: { status: number; body: { events: Array<{ messageId: string; type: string }>; nextCursor: string | null } } = await http(
                `${second.url}/api/customers/restart-${c}-${u}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
                { auth: `Bearer ${ADMIN_KEY}` },
              );
              if (page.status === 404) break;
              for (const e of page.body.events) {
                if (e.type === 'tenure') continue; // Tenure's own (Lifecycle Stage Changed), not sent by the clients
                assert.ok(!stored.has(e.messageId), `event ${e.messageId} stored twice`);
                stored.add(e.messageId);
              }
              cursor = page.body.nextCursor;
            } while (cursor);
          }
        }
        for (const id of acked) assert.ok(stored.has(id), `acknowledged event ${id} was lost`);
        assert.equal(stored.size, sent.length * 50);
      } finally {
        await killHard(second.child);
      }
    });
  });
}
