import { randomUUID } from 'node:crypto';
import http from 'node:http';

const EVENTS = ['Product Viewed', 'Product Added', 'Order Completed', 'Feature Used', 'Application Opened', 'Email Opened'];
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/** One realistic Segment call (track 70%, page 20%, identify 10%) for a user drawn from a pool. */
export function makeCall(users: number, rand: () => number): Record<string, unknown> {
  const u = Math.floor(rand() * users);
  const anonymous = rand() < 0.1;
  const ids = anonymous ? { anonymousId: `anon-${u}` } : { userId: `user-${u}`, anonymousId: `anon-${u}` };
  const context = { ip: `10.${u % 250}.${(u >> 8) % 250}.7`, userAgent: UA, locale: 'en-US', timezone: 'America/New_York', library: { name: 'analytics.js', version: '2.11.1' } };
  const base = { messageId: randomUUID(), timestamp: new Date().toISOString(), ...ids };
  const r = rand();
  if (r < 0.1 && !anonymous) return { ...base, type: 'identify', traits: { email: `user${u}@example.com`, name: `User ${u}`, plan: rand() < 0.3 ? 'pro' : 'free' }, context };
  if (r < 0.3) {
    const page = { path: '/pricing', url: 'https://shop.example/pricing', referrer: rand() < 0.3 ? 'https://www.google.com/' : 'https://shop.example/', title: 'Pricing' };
    return { ...base, type: 'page', name: 'Pricing', properties: page, context: { ...context, page, ...(rand() < 0.2 ? { campaign: { source: 'google', medium: 'cpc', name: 'brand' } } : {}) } };
  }
  const event = EVENTS[Math.floor(rand() * EVENTS.length)]!;
  const properties =
    event === 'Order Completed'
      ? { order_id: randomUUID(), revenue: Math.round(rand() * 20000) / 100, currency: 'USD', products: [{ product_id: 'p1', sku: 'SKU-1', price: 19.99, quantity: 1 }] }
      : { product_id: `p${Math.floor(rand() * 500)}`, category: 'beans', price: 15 };
  return { ...base, type: 'track', event, properties, context };
}

/** Pre-serialised `/v1/batch` bodies. */
export function makeBodies(batches: number, perBatch: number, users: number, rand: () => number): string[] {
  return Array.from({ length: batches }, () => JSON.stringify({ batch: Array.from({ length: perBatch }, () => makeCall(users, rand)), sentAt: new Date().toISOString() }));
}

/** A keep-alive Segment client: POST a body, resolve with status and latency in ms. */
export function client(port: number, writeKey: string, sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  return (body: string) =>
    new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, path: '/v1/batch', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: auth, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Deterministic PRNG so runs send the same shape of traffic. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
