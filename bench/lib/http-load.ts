/**
 * The HTTP side of the ingestion benchmark: a keep-alive Segment client, a closed-loop
 * "as fast as possible" driver and an open-loop fixed-rate driver, and latency summaries.
 */
import http from 'node:http';

/** Outcome of one request. */
export interface Reply {
  status: number;
  /** Milliseconds from (intended) send to the last byte of the response. */
  ms: number;
  text: string;
}

export type Post = (body: Buffer) => Promise<Reply>;

/**
 * A Segment client posting pre-serialised bodies to `/v1/batch` with HTTP Basic auth
 * (write key as user name, empty password) over at most `sockets` keep-alive connections.
 * Network errors resolve as status 0 (they count as errors, they do not abort the run).
 */
export function segmentClient(port: number, writeKey: string, sockets: number): { post: Post; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const headers = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
  const post: Post = (body) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/batch', method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, text }));
      });
      req.on('error', (err) => resolve({ status: 0, ms: performance.now() - t0, text: String(err) }));
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** Tally of a phase: acknowledged events, errors and every request's latency. */
export class Tally {
  readonly latencies: number[] = [];
  ackedEvents = 0;
  errors = 0;
  firstError = '';

  record(r: Reply, events: number): void {
    this.latencies.push(r.ms);
    if (r.status === 200) this.ackedEvents += events;
    else if (this.errors++ === 0) this.firstError = `HTTP ${r.status}: ${r.text.slice(0, 500)}`;
  }

  /** p50/p95/p99/max in ms, one decimal. */
  percentiles(): { p50: number; p95: number; p99: number; max: number } {
    const xs = [...this.latencies].sort((a, b) => a - b);
    const at = (p: number) => round1(xs[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)] ?? NaN);
    return { p50: at(50), p95: at(95), p99: at(99), max: round1(xs[xs.length - 1] ?? NaN) };
  }
}

/** Closed loop: `concurrency` workers each send the next body as soon as their last one is answered. */
export async function runMax(post: Post, bodies: Buffer[], perBody: number, concurrency: number): Promise<{ tally: Tally; seconds: number }> {
  const tally = new Tally();
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) tally.record(await post(bodies[next++]!), perBody);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { tally, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Open loop: body i is due at start + i × interval, whether or not earlier ones were
 * answered (no coordinated omission). A 1 ms timer sends everything that is due;
 * latency is counted from the due time, so a late send shows up as latency too.
 */
export async function runFixedRate(post: Post, bodies: Buffer[], perBody: number, eventsPerSec: number): Promise<{ tally: Tally; seconds: number }> {
  const tally = new Tally();
  const interval = (1000 * perBody) / eventsPerSec;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (next < bodies.length && t0 + next * interval <= now) {
        const lateBy = now - (t0 + next * interval);
        inflight.push(post(bodies[next++]!).then((r) => tally.record({ ...r, ms: r.ms + lateBy }, perBody)));
      }
      if (next < bodies.length) setTimeout(tick, Math.max(0, Math.min(interval, t0 + next * interval - performance.now())));
      else done();
    };
    tick();
  });
  await Promise.all(inflight);
  return { tally, seconds: (performance.now() - t0) / 1000 };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
