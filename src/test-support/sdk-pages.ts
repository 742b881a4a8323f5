import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Segment's standard analytics.js snippet (5.2.0, as its docs give it to paste), with its
 * one host, cdn.segment.com, replaced by `cdnOrigin`: exactly what a Tenure user pastes.
 * `loadOptions` is the optional second argument of analytics.load (JSON), e.g. batching.
 */
export function segmentSnippet(cdnOrigin: string, writeKey: string, loadOptions?: object): string {
  const load = loadOptions ? `analytics.load(${JSON.stringify(writeKey)}, ${JSON.stringify(loadOptions)});` : `analytics.load(${JSON.stringify(writeKey)});`;
  return (
    `!function(){var analytics=window.analytics=window.analytics||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window.analytics.initialized)return window.analytics[e].apply(window.analytics,arguments);var i=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");i.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}i.unshift(e);analytics.push(i);return analytics}};for(var i=0;i<analytics.methods.length;i++){var key=analytics.methods[i];analytics[key]=analytics.factory(key)}analytics.load=function(key,i){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.src="https://cdn.segment.com/analytics.js/v1/" + key + "/analytics.min.js";var n=document.getElementsByTagName("script")[0];n.parentNode.insertBefore(t,n);analytics._loadOptions=i};analytics._writeKey=${JSON.stringify(writeKey)};;analytics.SNIPPET_VERSION="5.2.0";\n` +
    `${load}\nanalytics.page();\n}}();`
  ).replace('https://cdn.segment.com', cdnOrigin);
}

/** RudderStack's JS SDK v3 as a site bundles it from npm (the `bundled` build: its plugins inside, none fetched from a CDN). */
// The package exports no package.json: find it from its main entry (dist/npm/modern/cjs/index.cjs).
const RUDDER_UMD = join(dirname(createRequire(import.meta.url).resolve('@rudderstack/analytics-js')), '..', 'bundled', 'umd', 'index.js');

/** What the customer's site page needs to know. */
export interface SitePages {
  /** Where Tenure is reached over TLS (the analytics.js pages use it, as a real site would). */
  tenureHttps: string;
  /** Where Tenure is reached over plain HTTP (the RudderStack pages use it). */
  tenureHttp: string;
  writeKey: string;
}

/**
 * A customer's web site on its own origin (another port than Tenure): /segment.html (the
 * snippet; ?batch=1 loads it with analytics.js batching), /rudder.html (the RudderStack SDK;
 * ?batch=1 batches, ?beacon=1 sends by navigator.sendBeacon and tracks the unload), /next.html.
 */
export async function startSite(site: () => SitePages): Promise<{ url: string; close(): Promise<void> }> {
  const rudder = readFileSync(RUDDER_UMD);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const s = site();
    const html = (body: string) =>
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(`<!doctype html><html><head><title>Shop</title><script>/* first script: the snippet inserts before it */</script></head><body>${body}</body></html>`);
    if (url.pathname === '/segment.html') {
      const options = url.searchParams.get('batch') ? { integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 60_000 } } } } } : undefined;
      return html(`<h1>Shop</h1><script>${segmentSnippet(s.tenureHttps, s.writeKey, options)}</script>`);
    }
    if (url.pathname === '/rudder.html') {
      const options: Record<string, unknown> = { configUrl: s.tenureHttp, polyfillIfRequired: false, logLevel: 'ERROR' };
      if (url.searchParams.get('batch')) options.queueOptions = { batch: { enabled: true, maxItems: 3, flushInterval: 60_000 } };
      if (url.searchParams.get('beacon')) {
        options.useBeacon = true;
        options.beaconQueueOptions = { flushQueueInterval: 60_000 };
        options.autoTrack = { pageLifecycle: { enabled: true } };
      }
      return html(
        `<h1>Shop</h1><script src="/rudder.js"></script><script>new rudderanalytics.RudderAnalytics();` +
          `rudderanalytics.load(${JSON.stringify(s.writeKey)}, ${JSON.stringify(s.tenureHttp)}, ${JSON.stringify(options)});` +
          `rudderanalytics.ready(function(){window.rudderReady=true});rudderanalytics.page();</script>`,
      );
    }
    if (url.pathname === '/rudder.js') return res.writeHead(200, { 'content-type': 'application/javascript' }).end(rudder);
    if (url.pathname === '/next.html') return html('<h1>Next</h1>');
    res.writeHead(404).end();
  });
  const url = await listen(server);
  return { url, close: () => close(server) };
}

/**
 * TLS in front of Tenure on 127.0.0.1, with a certificate made now by openssl (the browser
 * is told to accept it): analytics.js finds its CDN only on https:// script URLs. Null
 * when openssl is missing. `target()` is Tenure's plain HTTP port.
 */
export async function startTlsProxy(target: () => number): Promise<{ url: string; close(): Promise<void> } | null> {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  rmSync(dir, { recursive: true, force: true });
  const server = createTlsServer({ key, cert }, (req, res) => {
    const upstream = request({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const url = (await listen(server)).replace('http://', 'https://');
  return { url, close: () => close(server) };
}

async function listen(server: Server | ReturnType<typeof createTlsServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server | ReturnType<typeof createTlsServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
