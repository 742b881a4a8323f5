import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Db } from '../src/server/db/client.js';
import { buildServer } from '../src/server/roles/server.js';
import { createLogger } from '../src/server/log.js';
import { CHROMIUM } from '../src/test-support/browser.js';
import { dbTargets, http, makeWorkspace, until } from '../src/test-support/harness.js';
import { startSite, startTlsProxy } from '../src/test-support/sdk-pages.js';

/**
 * The unmodified browser SDKs on a customer's page, served from another origin than Tenure,
 * in headless Chromium: analytics.js 2.0 loaded by Segment's standard snippet with only its
 * CDN host changed (bundle and settings from Tenure), and RudderStack's JS SDK v3. Every
 * request must stay on 127.0.0.1.
 */
const why = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM}`;
if (why && process.env.REQUIRE_BROWSER === '1') throw new Error(`browser tests are required (REQUIRE_BROWSER=1) but ${why}`);

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const UTM = 'utm_source=google&utm_medium=cpc&utm_campaign=spring';

describe('browser SDKs on another origin, in Chromium', { skip: why ?? false, timeout: 300_000 }, () => {
  let db: Db;
  let app: FastifyInstance;
  let tenure: string;
  let tls: Awaited<ReturnType<typeof startTlsProxy>>;
  let site: Awaited<ReturnType<typeof startSite>>;
  let browser: Browser;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  /** Every URL any page asked for, and every request that failed. */
  const requests: string[] = [];
  const failures: string[] = [];

  const admin = async (path: string) => (await http(`${tenure}${path}`, { auth: `Bearer ${ws.adminKey}` })).body;
  const customer = (userId: string) =>
    until(`customer ${userId}`, async () => ((await http(`${tenure}/api/customers/${userId}`, { auth: `Bearer ${ws.adminKey}` })).status === 200 ? admin(`/api/customers/${userId}`) : undefined));
  const eventsOf = async (userId: string) =>
    ((await admin(`/api/customers/${userId}/events?limit=100`)).events as Array<{ type: string; event: string | null }>).map((e) => `${e.type}:${e.event ?? ''}`);
  const waitEvents = (userId: string, want: string[]) =>
    until(
      `${userId} has ${want.join(', ')}`,
      async () => {
        const have = await eventsOf(userId).catch((): string[] => []);
        return want.every((w) => have.includes(w)) ? have : undefined;
      },
      20_000,
    );

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    context.on('request', (r) => requests.push(r.url()));
    context.on('requestfailed', (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    return { context, page: await context.newPage() };
  }

  before(async () => {
    const targets = dbTargets();
    db = await (targets.find((t) => t.name === 'postgres') ?? targets[0]!).open();
    ws = await makeWorkspace(db, 'site');
    let port = 0;
    tls = await startTlsProxy(() => port);
    app = await buildServer({
      db,
      log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      stages: null,
      segments: null,
      journeys: null,
      analyticsSyncMs: 0,
      predictionSchedule: false,
      sourcesUrl: tls?.url,
    });
    tenure = await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    site = await startSite(() => ({ tenureHttps: tls?.url ?? tenure, tenureHttp: tenure, writeKey: ws.writeKey }));
    assert.notEqual(new URL(site.url).port, new URL(tenure).port);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, '--ignore-certificate-errors'] });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await app?.close();
    await tls?.close();
    await db?.close();
  });

  it('analytics.js 2.0 from the standard snippet (host changed): page, identify, track arrive; anonymous merged; traits; UTM first touch', async (t) => {
    if (!tls) return t.skip('openssl is missing');
    const { context, page } = await newPage();
    await page.goto(`${site.url}/segment.html?${UTM}`);
    await page.waitForFunction(() => (globalThis as any).analytics?.initialized === true, undefined, { timeout: 20_000 });
    const anon = await page.evaluate(() => (globalThis as any).analytics.user().anonymousId() as string);
    assert.ok(anon);
    await page.evaluate(async () => {
      const a = (globalThis as any).analytics;
      await a.identify('ajs-user', { email: 'ajs@example.com', plan: 'pro' });
      await a.track('Order Completed', { revenue: 42 });
    });
    const timeline = await waitEvents('ajs-user', ['page:', 'identify:', 'track:Order Completed']);
    assert.equal(timeline.length, 3);
    const c = await customer('ajs-user');
    assert.deepEqual(c.anonymousIds, [anon]);
    assert.equal(c.traits.email, 'ajs@example.com');
    assert.equal(c.traits.plan, 'pro');
    assert.equal(c.acquisitionChannel, 'paid_search');
    assert.equal(c.firstTouch.campaign, 'spring');
    const tenureRequests = requests.filter((u) => u.startsWith(tls!.url)).map((u) => new URL(u).pathname);
    for (const p of [`/analytics.js/v1/${ws.writeKey}/analytics.min.js`, `/v1/projects/${ws.writeKey}/settings`, '/v1/p', '/v1/i', '/v1/t'])
      assert.ok(tenureRequests.includes(p), `${p} in ${tenureRequests.join(' ')}`);
    await context.close();
  });

  it('analytics.js batching: /v1/b batches, and what is left is sent on unload (keepalive)', async (t) => {
    if (!tls) return t.skip('openssl is missing');
    const { context, page } = await newPage();
    const before = requests.length;
    await page.goto(`${site.url}/segment.html?batch=1&${UTM}`);
    await page.waitForFunction(() => (globalThis as any).analytics?.initialized === true, undefined, { timeout: 20_000 });
    await page.evaluate(() => {
      const a = (globalThis as any).analytics;
      void a.identify('ajs-batch-user', { email: 'batch@example.com' });
      void a.track('Product Viewed', { sku: 'A' });
    });
    await waitEvents('ajs-batch-user', ['page:', 'identify:', 'track:Product Viewed']);
    // One more, below the batch size: still in the page's buffer when it goes away.
    await page.evaluate(() => void (globalThis as any).analytics.track('Checkout Started'));
    await page.waitForTimeout(200);
    assert.ok(!(await eventsOf('ajs-batch-user')).includes('track:Checkout Started'), 'buffered, not yet sent');
    await page.goto(`${site.url}/next.html`);
    await waitEvents('ajs-batch-user', ['track:Checkout Started']);
    // (A request of a page being left may not be reported to the test; the data above is the proof.)
    assert.ok(requests.slice(before).includes(`${tls!.url}/v1/b`));
    assert.ok(!requests.slice(before).some((u) => /\/v1\/[tpi]$/.test(u)), 'batching sends no single calls');
    await context.close();
  });

  it('RudderStack JS SDK v3: page, identify (traits in context.traits), track arrive; anonymous merged; UTM first touch', async () => {
    const { context, page } = await newPage();
    await page.goto(`${site.url}/rudder.html?${UTM}`);
    await page.waitForFunction(() => (globalThis as any).rudderReady === true, undefined, { timeout: 20_000 });
    const anon = await page.evaluate(() => (globalThis as any).rudderanalytics.getAnonymousId() as string);
    await page.evaluate(() => {
      const r = (globalThis as any).rudderanalytics;
      r.identify('rs-user', { email: 'rs@example.com', plan: 'team' });
      r.track('Order Completed', { revenue: 10 });
    });
    await waitEvents('rs-user', ['page:', 'identify:', 'track:Order Completed']);
    const c = await customer('rs-user');
    assert.deepEqual(c.anonymousIds, [anon]);
    assert.equal(c.traits.email, 'rs@example.com');
    assert.equal(c.traits.plan, 'team');
    assert.equal(c.acquisitionChannel, 'paid_search');
    assert.equal(c.firstTouch.campaign, 'spring');
    const paths = requests.filter((u) => u.startsWith(tenure)).map((u) => new URL(u).pathname);
    for (const p of ['/sourceConfig/', '/v1/page', '/v1/identify', '/v1/track']) assert.ok(paths.includes(p), `${p} in ${paths.join(' ')}`);
    await context.close();
  });

  it('RudderStack batching (/v1/batch) and its beacon transport on unload (/beacon/v1/batch)', async () => {
    const batched = await newPage();
    await batched.page.goto(`${site.url}/rudder.html?batch=1`);
    await batched.page.waitForFunction(() => (globalThis as any).rudderReady === true, undefined, { timeout: 20_000 });
    await batched.page.evaluate(() => {
      const r = (globalThis as any).rudderanalytics;
      r.identify('rs-batch-user', { email: 'b@example.com' });
      r.track('Product Viewed');
    });
    await waitEvents('rs-batch-user', ['page:', 'identify:', 'track:Product Viewed']);
    assert.ok(requests.some((u) => u === `${tenure}/v1/batch`));
    await batched.context.close();

    const beacon = await newPage();
    await beacon.page.goto(`${site.url}/rudder.html?beacon=1`);
    await beacon.page.waitForFunction(() => (globalThis as any).rudderReady === true, undefined, { timeout: 20_000 });
    await beacon.page.evaluate(() => {
      const r = (globalThis as any).rudderanalytics;
      r.identify('rs-beacon-user', { email: 'beacon@example.com' });
      r.track('Cart Viewed');
    });
    const sent = requests.length;
    await beacon.page.waitForTimeout(200);
    await beacon.page.goto(`${site.url}/next.html`);
    const timeline = await waitEvents('rs-beacon-user', ['identify:', 'track:Cart Viewed']);
    assert.ok(timeline.includes('track:Page Unloaded'), timeline.join(', '));
    // Only the beacon transport was used (a beacon of a page being left may not be reported to the test; the data is the proof).
    assert.ok(!requests.slice(sent).some((u) => /\/v1\/(identify|track|page|batch)$/.test(u)), 'no XHR delivery with useBeacon');
    await beacon.context.close();
  });

  it('no request left the machine, and none failed', () => {
    const outside = requests.filter((u) => !/^(https?:\/\/127\.0\.0\.1:\d+\/|data:|blob:|about:)/.test(u));
    assert.deepEqual(outside, []);
    // Beacons and keepalive requests of a page being left may be reported cancelled; nothing else.
    assert.deepEqual(
      failures.filter((f) => !/\/(v1\/b|beacon\/v1\/batch)\b.*ERR_ABORTED/.test(f)),
      [],
    );
  });
});
