import { gzipSync } from 'node:zlib';

/**
 * A corpus of hostile requests for the Segment ingestion endpoints (/v1/track, identify,
 * page, screen, group, alias, batch, import). Every one must be refused with a 4xx and
 * store nothing; none may answer 5xx or take the server down. Send each as a POST to
 * `path` with the workspace's write key added (`authorization: Basic …`): `body` as JSON
 * (`content-type: application/json`), or `rawBody` with `headers` as given.
 * hostile-input.http.test.ts runs the whole corpus; fault-injection suites reuse it.
 */
export interface HostileRequest {
  name: string;
  path: string;
  body?: unknown;
  rawBody?: Buffer | string;
  headers?: Record<string, string>;
}

/** Stands for the literal `1e400` (Infinity after JSON.parse), which JSON.stringify cannot write: such bodies are sent raw. */
const HUGE = '__HUGE_NUMBER__';
const JSON_HEADERS = { 'content-type': 'application/json' };
const NOW = '2025-06-01T12:00:00.000Z';

/** A value nested `levels` deep: {"a":{"a":…1…}}. */
export function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** The JSON text of an array nested `levels` deep, built as text (no recursion anywhere). */
export function nestedArrayText(levels: number): string {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

/** A well-formed call of each type; the corpus breaks one thing at a time. */
const VALID: Record<string, Record<string, unknown>> = {
  track: { userId: 'hostile-user', event: 'Hostile Tested', properties: { ok: true }, timestamp: NOW },
  identify: { userId: 'hostile-user', traits: { plan: 'pro' }, timestamp: NOW },
  page: { anonymousId: 'hostile-anon', name: 'Home', properties: { url: 'https://x.example/' }, timestamp: NOW },
  screen: { anonymousId: 'hostile-anon', name: 'Main', properties: {}, timestamp: NOW },
  group: { userId: 'hostile-user', groupId: 'hostile-group', traits: { name: 'Acme' }, timestamp: NOW },
  alias: { userId: 'hostile-user-2', previousId: 'hostile-anon', timestamp: NOW },
};
const TYPES = Object.keys(VALID);

/** Where each type keeps its free-form object. */
const BAG: Record<string, string> = { track: 'properties', identify: 'traits', page: 'properties', screen: 'properties', group: 'traits', alias: 'context' };

/** Wrong values for fields of every call, with the types they apply to. */
const WRONG_FIELDS: Array<[field: string, value: unknown, types: string[]]> = [
  ['userId', { id: 1 }, TYPES],
  ['userId', true, TYPES],
  ['userId', HUGE, TYPES], // 1e400: Infinity after JSON.parse
  ['anonymousId', ['a'], TYPES],
  ['anonymousId', 'x'.repeat(600), ['page', 'screen']],
  ['messageId', '', TYPES],
  ['messageId', { m: 1 }, TYPES],
  ['messageId', 'm'.repeat(201), TYPES],
  ['timestamp', true, TYPES],
  ['timestamp', { t: 1 }, TYPES],
  ['timestamp', 'not a date', TYPES],
  ['sentAt', [1], TYPES],
  ['context', 'x', TYPES],
  ['context', [1], TYPES],
  ['context', 5, TYPES],
  ['integrations', [], TYPES],
  ['writeKey', 5, TYPES],
  ['type', 'bogus', TYPES],
  ['event', 5, ['track']],
  ['event', '', ['track']],
  ['event', { e: 1 }, ['track']],
  ['event', 'e'.repeat(513), ['track']],
  ['name', 5, ['page', 'screen']],
  ['category', { c: 1 }, ['page']],
  ['properties', [1, 2], ['track', 'page', 'screen']],
  ['properties', 'x', ['track', 'page', 'screen']],
  ['traits', [1], ['identify', 'group']],
  ['traits', 'x', ['identify', 'group']],
  ['groupId', { g: 1 }, ['group']],
  ['groupId', '', ['group']],
  ['groupId', null, ['group']],
  ['previousId', null, ['alias']],
  ['previousId', [1], ['alias']],
];

/** Event times outside the accepted window (or not times at all). */
const BAD_TIMES: Array<[label: string, value: unknown]> = [
  ['epoch microseconds read as milliseconds', 1.7e15],
  ['a number past the Date range', 1e300],
  ['huge number literal 1e400', HUGE],
  ['year 0', '0000-01-01T00:00:00Z'],
  ['year 10000', '10000-01-01T00:00:00Z'],
  ['expanded year 55827', '+055827-01-01T00:00:00Z'],
  ['negative year', '-000001-01-01T00:00:00Z'],
  ['before 1970', '1969-12-31T23:59:59Z'],
  ['year 2100', '2100-01-01T00:00:00Z'],
  ['negative epoch', -1],
];

function call(type: string, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...VALID[type], ...patch };
}

/** Every hostile request of the corpus (built on each call: some are large). */
export function hostilePayloads(): HostileRequest[] {
  const out: HostileRequest[] = [];
  const deep3k = nested(3_000);

  for (const type of TYPES) {
    const path = `/v1/${type}`;
    // Absurd nesting in the free-form bag and in context.
    out.push({ name: `${type}: ${BAG[type]} nested 3,000 levels`, path, body: call(type, { [BAG[type]!]: { a: deep3k } }) });
    out.push({ name: `${type}: context nested 3,000 levels`, path, body: call(type, { context: { a: deep3k } }) });
    out.push({ name: `${type}: 33 levels (one past the limit)`, path, body: call(type, { context: nested(32) }) });
    out.push({
      name: `${type}: ${BAG[type]} nested 100,000 levels (raw)`,
      path,
      rawBody: `{${JSON.stringify(call(type, {})).slice(1, -1)},"${BAG[type]}":{"a":${nestedArrayText(100_000)}}}`,
      headers: JSON_HEADERS,
    });
    for (const [field, value, types] of WRONG_FIELDS) {
      if (types.includes(type)) out.push({ name: `${type}: ${field} = ${JSON.stringify(value)?.slice(0, 30)}`, path, body: call(type, { [field]: value }) });
    }
    for (const [label, value] of BAD_TIMES) {
      out.push({ name: `${type}: timestamp ${label}`, path, body: call(type, { timestamp: value }) });
      out.push({ name: `${type}: originalTimestamp ${label}`, path, body: call(type, { timestamp: undefined, originalTimestamp: value }) });
      out.push({ name: `${type}: sentAt ${label}`, path, body: call(type, { sentAt: value }) });
    }
    out.push({ name: `${type}: clock-skew correction past 2100`, path, body: call(type, { timestamp: '2099-12-01T00:00:00Z', sentAt: '1970-01-02T00:00:00Z' }) });
    out.push({ name: `${type}: clock-skew correction before 1970`, path, body: call(type, { timestamp: '1971-01-01T00:00:00Z', sentAt: '2099-01-01T00:00:00Z' }) });
    out.push({ name: `${type}: no ids`, path, body: call(type, { userId: undefined, anonymousId: undefined }) });
    out.push({ name: `${type}: NUL in a value`, path, body: call(type, { [BAG[type]!]: { note: 'a\u0000b' } }) });
    out.push({ name: `${type}: NUL in a key`, path, body: call(type, { [BAG[type]!]: { 'k\u0000': 1 } }) });
    out.push({ name: `${type}: lone high surrogate`, path, body: call(type, { userId: 'u\uD800' }) });
    out.push({ name: `${type}: lone low surrogate in context`, path, body: call(type, { context: { x: '\uDC00z' } }) });
    out.push({ name: `${type}: body is an array`, path, body: [call(type, {})] });
    out.push({ name: `${type}: body is a string`, path, body: 'track' });
    out.push({ name: `${type}: body is null`, path, rawBody: 'null', headers: JSON_HEADERS });
    out.push({ name: `${type}: empty body`, path, rawBody: '', headers: JSON_HEADERS });
    out.push({ name: `${type}: truncated JSON`, path, rawBody: JSON.stringify(call(type, {})).slice(0, -3), headers: JSON_HEADERS });
    out.push({ name: `${type}: form post`, path, rawBody: 'event=x&properties=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    out.push({ name: `${type}: event over 32 KB`, path, body: call(type, { context: { blob: 'x'.repeat(40_000) } }) });
  }

  for (const path of ['/v1/batch', '/v1/import']) {
    const good = { type: 'track', ...VALID.track };
    const batch = (bad: unknown, extra: Record<string, unknown> = {}) => ({ batch: [good, good, good, bad], ...extra });
    out.push({ name: `${path}: item 3 nested 3,000 levels`, path, body: batch({ type: 'track', ...VALID.track, properties: { a: deep3k } }) });
    out.push({ name: `${path}: batch-level context nested 3,000 levels`, path, body: batch(good, { context: deep3k }) });
    out.push({
      name: `${path}: 100,000 levels (raw)`,
      path,
      rawBody: `{"batch":[${JSON.stringify(good)},{"type":"track","userId":"u","event":"e","properties":{"a":${nestedArrayText(100_000)}}}]}`,
      headers: JSON_HEADERS,
    });
    for (const [label, value] of BAD_TIMES) {
      out.push({ name: `${path}: item timestamp ${label}`, path, body: batch({ ...good, timestamp: value }) });
      out.push({ name: `${path}: batch sentAt ${label}`, path, body: batch(good, { sentAt: value }) });
    }
    out.push({ name: `${path}: skew overflow from batch sentAt`, path, body: { batch: [{ ...good, timestamp: '2099-12-01T00:00:00Z' }], sentAt: '1970-01-02T00:00:00Z' } });
    for (const [field, value, types] of WRONG_FIELDS) {
      const type = types[0]!;
      out.push({
        name: `${path}: ${type} item with ${field} = ${JSON.stringify(value)?.slice(0, 30)}`,
        path,
        body: batch({ type, ...call(type, { [field]: value }), ...(field === 'type' ? { type: value } : {}) }),
      });
    }
    out.push({ name: `${path}: context "x"`, path, body: batch(good, { context: 'x' }) });
    out.push({ name: `${path}: context [1]`, path, body: batch(good, { context: [1] }) });
    out.push({ name: `${path}: context 7`, path, body: batch(good, { context: 7 }) });
    out.push({ name: `${path}: batch is an object`, path, body: { batch: good } });
    out.push({ name: `${path}: batch is a string`, path, body: { batch: 'x' } });
    out.push({ name: `${path}: no batch`, path, body: {} });
    out.push({ name: `${path}: item is an array`, path, body: batch([good]) });
    out.push({ name: `${path}: item is null`, path, body: batch(null) });
    out.push({ name: `${path}: item without type`, path, body: batch({ ...good, type: undefined }) });
    out.push({ name: `${path}: NUL in item 3`, path, body: batch({ ...good, event: 'x\u0000' }) });
    out.push({ name: `${path}: lone surrogate in a key`, path, body: batch({ ...good, properties: { '\uD83D': 1 } }) });
    out.push({ name: `${path}: truncated JSON`, path, rawBody: '{"batch":[{"type":"track","userId":"u","event":"e"}', headers: JSON_HEADERS });
    out.push({ name: `${path}: empty body`, path, rawBody: '', headers: JSON_HEADERS });
    out.push({ name: `${path}: not JSON`, path, rawBody: '\u0000\u0001\u0002binary', headers: JSON_HEADERS });
    out.push({ name: `${path}: brotli (unsupported encoding)`, path, rawBody: gzipSync(JSON.stringify(batch(good))), headers: { ...JSON_HEADERS, 'content-encoding': 'br' } });
    out.push({ name: `${path}: gzip header on plain JSON`, path, rawBody: JSON.stringify(batch(good)), headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' } });
    out.push({ name: `${path}: deflate header on gzip`, path, rawBody: gzipSync(JSON.stringify(batch(good))), headers: { ...JSON_HEADERS, 'content-encoding': 'deflate' } });
    out.push({ name: `${path}: truncated gzip`, path, rawBody: gzipSync(JSON.stringify(batch(good))).subarray(0, 30), headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' } });
    out.push({
      name: `${path}: gzip bomb (20 MB of spaces)`,
      path,
      rawBody: gzipSync(Buffer.concat([Buffer.from('{"batch":['), Buffer.alloc(20 * 1024 * 1024, 0x20), Buffer.from(']}')]), { level: 9 }),
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' },
    });
    out.push({
      name: `${path}: gzip bomb of valid events (600 KB decompressed)`,
      path,
      rawBody: gzipSync(JSON.stringify({ batch: Array.from({ length: 3_000 }, (_, i) => ({ ...good, messageId: `bomb-${i}`, properties: { pad: 'p'.repeat(150) } })) })),
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' },
    });
    out.push({ name: `${path}: 600 KB body`, path, body: { batch: Array.from({ length: 30 }, (_, i) => ({ ...good, messageId: `big-${i}`, properties: { pad: 'p'.repeat(20_000) } })) } });
  }
  return out.map((r) => {
    if (r.body === undefined) return r;
    const text = JSON.stringify(r.body);
    return text.includes(`"${HUGE}"`) ? { name: r.name, path: r.path, rawBody: text.replaceAll(`"${HUGE}"`, '1e400'), headers: JSON_HEADERS } : r;
  });
}
