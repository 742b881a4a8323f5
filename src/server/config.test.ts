import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses defaults and treats empty strings as unset', () => {
    const c = loadConfig({ DATABASE_URL: '', PORT: '' });
    assert.equal(c.PORT, 3000);
    assert.equal(c.DATABASE_URL, undefined);
    assert.equal(c.TENURE_DATA_DIR, './.tenure');
    assert.equal(c.TENURE_INGEST_LANES, 2);
    assert.equal(c.TENURE_ANALYTICS_SYNC_SECONDS, undefined, 'the server picks the KPI sync interval by database');
    assert.equal(loadConfig({ TENURE_ANALYTICS_SYNC_SECONDS: '0' }).TENURE_ANALYTICS_SYNC_SECONDS, 0);
    assert.ok(Object.isFrozen(c));
  });

  it('names every bad variable and its value', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TENURE_ADMIN_KEY: 'short', TENURE_INGEST_LANES: '0', TENURE_ANALYTICS_SYNC_SECONDS: 'often' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT="eighty": must be a port number/);
        assert.match(err.message, /DATABASE_URL="mysql:\/\/x": must be a postgres:\/\//);
        assert.match(err.message, /TENURE_ADMIN_KEY="short": must be at least 8 characters/);
        assert.match(err.message, /TENURE_INGEST_LANES="0": must be a whole number from 1 to 16/);
        assert.match(err.message, /TENURE_ANALYTICS_SYNC_SECONDS="often": must be a whole number of seconds from 0 to 3600/);
        return true;
      },
    );
  });

  it('reads a PostgreSQL URL and a port', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', PORT: '8080', TENURE_DEMO: '0' });
    assert.equal(c.DATABASE_URL, 'postgres://u@h:5432/db');
    assert.equal(c.PORT, 8080);
    assert.equal(c.TENURE_DEMO, 'false');
  });

  it('TENURE_WEBHOOK_ALLOW: hosts, addresses and CIDR ranges; unset allows none; a bad entry is named', () => {
    assert.deepEqual(loadConfig({}).TENURE_WEBHOOK_ALLOW, []);
    assert.deepEqual(loadConfig({ TENURE_WEBHOOK_ALLOW: '127.0.0.1,10.0.0.0/8,hooks.internal' }).TENURE_WEBHOOK_ALLOW, [
      { ip: '127.0.0.1', prefix: 32, family: 4 },
      { ip: '10.0.0.0', prefix: 8, family: 4 },
      { host: 'hooks.internal' },
    ]);
    assert.throws(
      () => loadConfig({ TENURE_WEBHOOK_ALLOW: '127.0.0.1,10.0.0.0/40' }),
      (err: unknown) => err instanceof ConfigError && /TENURE_WEBHOOK_ALLOW="127\.0\.0\.1,10\.0\.0\.0\/40": "10\.0\.0\.0\/40": the prefix length after "\/" must be 0-32/.test(err.message),
    );
  });
});
