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
    assert.equal(c.TENURE_BACKGROUND_SLOTS, undefined, 'the server picks the background slots from the pool');
    assert.equal(loadConfig({ TENURE_BACKGROUND_SLOTS: '0' }).TENURE_BACKGROUND_SLOTS, 0);
    assert.equal(c.TENURE_HEAP_GROWTH_PERCENT, 50);
    assert.equal(loadConfig({ TENURE_HEAP_GROWTH_PERCENT: '0' }).TENURE_HEAP_GROWTH_PERCENT, 0);
    assert.equal(c.TENURE_ANALYTICS_SYNC_SECONDS, undefined, 'the server picks the KPI sync interval by database');
    assert.equal(loadConfig({ TENURE_ANALYTICS_SYNC_SECONDS: '0' }).TENURE_ANALYTICS_SYNC_SECONDS, 0);
    assert.ok(Object.isFrozen(c));
  });

  it('names every bad variable and its value', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          DATABASE_URL: 'mysql://x',
          TENURE_ADMIN_KEY: 'short',
          TENURE_INGEST_LANES: '0',
          TENURE_ANALYTICS_SYNC_SECONDS: 'often',
          TENURE_HEAP_GROWTH_PERCENT: '-5',
          TENURE_BACKGROUND_SLOTS: 'two',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT="eighty": must be a port number/);
        assert.match(err.message, /DATABASE_URL="mysql:\/\/x": must be a postgres:\/\//);
        assert.match(err.message, /TENURE_ADMIN_KEY="short": must be at least 32 characters/);
        assert.match(err.message, /TENURE_INGEST_LANES="0": must be a whole number from 1 to 16/);
        assert.match(err.message, /TENURE_ANALYTICS_SYNC_SECONDS="often": must be a whole number of seconds from 0 to 3600/);
        assert.match(err.message, /TENURE_HEAP_GROWTH_PERCENT="-5": must be a whole number of percent from 0 to 1000/);
        assert.match(err.message, /TENURE_BACKGROUND_SLOTS="two": must be a whole number from 0 to 200/);
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

  it('wants keys set by environment variable to be at least 32 characters', () => {
    const k31 = 'k'.repeat(31);
    assert.throws(() => loadConfig({ TENURE_WRITE_KEY: k31 }), /TENURE_WRITE_KEY="k{31}": must be at least 32 characters/);
    assert.throws(() => loadConfig({ TENURE_ADMIN_KEY: 'ta_sixteen_chars' }), /TENURE_ADMIN_KEY="ta_sixteen_chars": must be at least 32 characters/);
    const c = loadConfig({ TENURE_WRITE_KEY: 'w'.repeat(32), TENURE_ADMIN_KEY: 'a'.repeat(40) });
    assert.equal(c.TENURE_WRITE_KEY, 'w'.repeat(32));
    assert.equal(c.TENURE_ADMIN_KEY, 'a'.repeat(40));
  });

  it('reads the rate limits, 0 turning one off', () => {
    const d = loadConfig({});
    assert.equal(d.TENURE_RATE_LIMIT_INGEST_PER_SECOND, 5_000);
    assert.equal(d.TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND, 1_000);
    assert.equal(d.TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE, 10);
    const c = loadConfig({ TENURE_RATE_LIMIT_INGEST_PER_SECOND: '0', TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND: '250', TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0' });
    assert.deepEqual([c.TENURE_RATE_LIMIT_INGEST_PER_SECOND, c.TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND, c.TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE], [0, 250, 0]);
    assert.throws(
      () => loadConfig({ TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: 'lots', TENURE_RATE_LIMIT_INGEST_PER_SECOND: '-1' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE="lots": must be a whole number/);
        assert.match(err.message, /TENURE_RATE_LIMIT_INGEST_PER_SECOND="-1": must be a whole number/);
        return true;
      },
    );
  });

  it('trusts no proxy unless TRUST_PROXY says which', () => {
    assert.equal(loadConfig({}).TRUST_PROXY, false);
    assert.equal(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, true);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8,loopback' }).TRUST_PROXY, ['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8', 'loopback']);
    for (const bad of ['yes', '10.0.0.300', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1,,nope']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY=.*must be true, false, a hop count, or IP addresses\/CIDRs/, bad);
    }
  });
});
