import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { formatLogLine } from './log-format.js';
import { resolveLogFormat } from './log.js';

describe('console log formatter', () => {
  const at = Date.UTC(2026, 11, 5, 13, 4, 31, 250);

  it('writes time, level, message, then the fields as key=value', () => {
    const line = JSON.stringify({ level: 30, time: at, app: 'tenure', pid: 1, hostname: 'h', msg: 'demo data loaded', customers: 11500, events: 980868, ok: true, dir: null });
    assert.equal(formatLogLine(line), '13:04:31 INFO  demo data loaded customers=11500 events=980868 ok=true dir=null\n');
  });

  it('quotes strings with spaces, quotes or =, and shows objects as JSON', () => {
    const line = JSON.stringify({ level: 40, time: at, msg: 'slow', path: '/api/x', note: 'a b', eq: 'k=v', obj: { a: [1, 2] } });
    assert.equal(formatLogLine(line), '13:04:31 WARN  slow path=/api/x note="a b" eq="k=v" obj={"a":[1,2]}\n');
  });

  it('shows an error by its message, and its stack (indented) from level error up', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)\n    at g (y.ts:2:2)' };
    assert.equal(formatLogLine(JSON.stringify({ level: 50, time: at, msg: 'failed', err })), '13:04:31 ERROR failed err=boom\n    at f (x.ts:1:1)\n    at g (y.ts:2:2)\n');
    assert.equal(formatLogLine(JSON.stringify({ level: 40, time: at, msg: 'retrying', err })), '13:04:31 WARN  retrying err=boom\n');
  });

  it('cuts very long values, and keeps a value on one line', () => {
    const out = formatLogLine(JSON.stringify({ level: 30, time: at, msg: 'm', big: 'x'.repeat(1000), multi: 'a\nb' }));
    assert.equal(out.split('\n').length, 2, 'one line');
    assert.ok(out.includes(`big=${'x'.repeat(300)}…`), out);
    assert.ok(out.includes('multi=a\\nb'), out);
  });

  it('passes through what is not pino JSON, and colours only when asked', () => {
    assert.equal(formatLogLine('plain text'), 'plain text\n');
    assert.equal(formatLogLine('[1,2]\n'), '[1,2]\n');
    const coloured = formatLogLine(JSON.stringify({ level: 30, time: at, msg: 'hi' }), { color: true });
    assert.ok(coloured.includes('\x1b[32mINFO'), JSON.stringify(coloured));
    assert.ok(!formatLogLine(JSON.stringify({ level: 30, time: at, msg: 'hi' })).includes('\x1b'));
  });

  it('formats what pino actually writes', () => {
    let written = '';
    const sink = new Writable({ write: (chunk, _enc, cb) => ((written += formatLogLine(String(chunk))), cb()) });
    const log = pino({ base: { app: 'tenure' } }, sink);
    log.info({ address: 'http://127.0.0.1:3000' }, 'Tenure is listening');
    log.error({ err: new Error('db down') }, 'query failed');
    assert.match(written, /^\d\d:\d\d:\d\d INFO {2}Tenure is listening address=http:\/\/127\.0\.0\.1:3000\n\d\d:\d\d:\d\d ERROR query failed err="db down"\n {4}at /);
  });

  it('picks text on a terminal and JSON otherwise, unless told', () => {
    assert.equal(resolveLogFormat('auto', true), 'text');
    assert.equal(resolveLogFormat('auto', false), 'json');
    assert.equal(resolveLogFormat(undefined, false), 'json');
    assert.equal(resolveLogFormat('json', true), 'json');
    assert.equal(resolveLogFormat('text', false), 'text');
  });
});
