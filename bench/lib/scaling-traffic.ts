/**
 * The scaling simulation's traffic and its router: Segment calls for a few workspaces
 * (one too big for a cell, split into customer buckets; the others whole), and the
 * identity directory that decides which cell each call goes to.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../src/server/db/client.js';

/** One Segment call as a producer publishes it: the workspace and the raw call. */
export interface SimCall {
  ws: number;
  type: 'identify' | 'track' | 'page';
  call: Record<string, unknown>;
}

export interface WorkspacePlan {
  id: number;
  slug: string;
  people: number;
  /** Customer buckets (1: the workspace lives whole in `cell`). */
  buckets: number;
  cell: number;
}

export const DAY0 = Date.parse('2026-11-01T00:00:00.000Z');
export const DAYS = 30;
const DAY_MS = 86_400_000;

/** A seeded generator (mulberry32), so both runs see the same traffic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the generator knows and the cells cannot: who each person is, and when each was active. */
export interface Truth {
  /** `${ws}:${day}` → people with an own event (page or track) that day. */
  activeByDay: Map<string, Set<number>>;
  /** People with an own event in the 30 days, per workspace. */
  activeInRange: Map<number, Set<number>>;
}

/**
 * Calls for every workspace, in timestamp order. Half the people browse anonymously on
 * their first day and then identify (Segment's SDKs then send both ids); the other half
 * identify at once. On each later day a person is active with probability 0.3: 1–3 page
 * views and, with probability 0.3, an order with a log-normal value.
 */
export function generateTraffic(plans: WorkspacePlan[], seed: number): { calls: SimCall[]; truth: Truth } {
  const rand = rng(seed);
  const calls: Array<SimCall & { at: number }> = [];
  const truth: Truth = { activeByDay: new Map(), activeInRange: new Map() };
  const active = (ws: number, day: number, p: number) => {
    const k = `${ws}:${day}`;
    let s = truth.activeByDay.get(k);
    if (!s) truth.activeByDay.set(k, (s = new Set()));
    s.add(p);
    let r = truth.activeInRange.get(ws);
    if (!r) truth.activeInRange.set(ws, (r = new Set()));
    r.add(p);
  };
  for (const plan of plans) {
    for (let p = 0; p < plan.people; p++) {
      let seq = 0;
      const userId = `user-${plan.id}-${p}`;
      const anonymousId = `anon-${plan.id}-${p}`;
      const firstDay = Math.floor(rand() * DAYS);
      const at = (day: number) => DAY0 + day * DAY_MS + Math.floor(rand() * DAY_MS);
      const push = (type: SimCall['type'], t: number, body: Record<string, unknown>) =>
        calls.push({ ws: plan.id, type, at: t, call: { ...body, messageId: `sim-${plan.id}-${p}-${seq++}`, timestamp: new Date(t).toISOString() } });
      const anonFirst = rand() < 0.5;
      let t = at(firstDay);
      if (anonFirst) {
        const views = 1 + Math.floor(rand() * 3);
        for (let v = 0; v < views; v++) push('page', t + v * 1000, { anonymousId, name: 'Home', properties: { path: '/' } });
        active(plan.id, firstDay, p);
        t += views * 1000 + 1000;
        push('identify', t, { userId, anonymousId, traits: { email: `${userId}@example.com` } });
      } else {
        push('identify', t, { userId, traits: { email: `${userId}@example.com` } });
      }
      const ids = anonFirst ? { userId, anonymousId } : { userId };
      push('track', t + 1000, { ...ids, event: 'Signed Up', properties: {} });
      active(plan.id, firstDay, p);
      for (let day = firstDay + 1; day < DAYS; day++) {
        if (rand() >= 0.3) continue;
        const t0 = at(day);
        const views = 1 + Math.floor(rand() * 3);
        for (let v = 0; v < views; v++) push('page', t0 + v * 1000, { ...ids, name: 'Product', properties: { path: `/p/${Math.floor(rand() * 50)}` } });
        if (rand() < 0.3) {
          const revenue = Math.round(Math.exp(3.8 + 0.8 * normal(rand)) * 100) / 100;
          push('track', t0 + views * 1000, { ...ids, event: 'Order Completed', properties: { order_id: `o-${plan.id}-${p}-${day}`, revenue } });
        }
        active(plan.id, day, p);
      }
    }
  }
  calls.sort((a, b) => a.at - b.at);
  return { calls: calls.map(({ ws, type, call }) => ({ ws, type, call })), truth };
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A stable bucket for an identity value: the first 32 bits of its SHA-1, modulo the buckets. */
export function bucketOf(value: string, buckets: number): number {
  return createHash('sha1').update(value).digest().readUInt32BE(0) % buckets;
}

/** The directory's tables (in the directory database). */
export const DIRECTORY_DDL = `
CREATE TABLE cells (id int PRIMARY KEY, database_url text NOT NULL);
CREATE TABLE workspace_cells (workspace_id int PRIMARY KEY, buckets int NOT NULL, cell_id int REFERENCES cells);
CREATE TABLE bucket_cells (workspace_id int NOT NULL, bucket int NOT NULL, cell_id int NOT NULL REFERENCES cells, PRIMARY KEY (workspace_id, bucket));
CREATE TABLE identity_homes (workspace_id int NOT NULL, kind text NOT NULL, value text NOT NULL, bucket int NOT NULL, moved_from_cell int, PRIMARY KEY (workspace_id, kind, value));
`;

/** What routing found while it placed the calls. */
export interface RoutingStats {
  /** People who browsed anonymously and then identified, in bucketed workspaces. */
  anonymousThenKnown: number;
  /** Of those, the ones whose anonymousId hashes to another bucket than their userId. */
  crossBucket: number;
  /** Of those, the ones whose two buckets live in different cells. */
  crossCell: number;
  /** Events those people sent before identifying, left in the anonymous bucket's cell. */
  eventsLeftBehind: number;
}

/**
 * The identity directory as a producer sees it: workspace → cell, or (workspace, bucket)
 * → cell for a bucketed workspace. A call is routed by its userId when it has one, else by
 * its anonymousId; an identify that joins an anonymousId of another bucket records the
 * anonymousId's canonical bucket (the userId's) in `identity_homes`, so the device's later
 * anonymous calls follow the customer. The calls it sent before stay where they went (the
 * old cell keeps them; the directory row says where the customer now lives).
 */
export class Router {
  private readonly homes = new Map<string, number>();
  private readonly firstBucket = new Map<string, number>();
  private readonly pendingHomes: Array<[number, string, number, number | null]> = [];
  readonly stats: RoutingStats = { anonymousThenKnown: 0, crossBucket: 0, crossCell: 0, eventsLeftBehind: 0 };
  private readonly anonEvents = new Map<string, number>();

  constructor(
    private readonly plans: Map<number, WorkspacePlan>,
    private readonly cellOfBucket: (ws: number, bucket: number) => number,
  ) {}

  /** The cell a call goes to. */
  route(c: SimCall): number {
    const plan = this.plans.get(c.ws)!;
    if (plan.buckets === 1) return plan.cell;
    const userId = c.call.userId as string | undefined;
    const anonymousId = c.call.anonymousId as string | undefined;
    if (userId) {
      const bucket = bucketOf(userId, plan.buckets);
      if (anonymousId) {
        const key = `${c.ws}:${anonymousId}`;
        const home = this.homes.get(key) ?? this.firstBucket.get(key);
        if (home === undefined) this.homes.set(key, bucket);
        else if (!this.homes.has(key)) {
          // The first call that joins this device to a known customer.
          this.stats.anonymousThenKnown++;
          if (home !== bucket) {
            this.stats.crossBucket++;
            const fromCell = this.cellOfBucket(c.ws, home);
            const moved = fromCell !== this.cellOfBucket(c.ws, bucket);
            if (moved) {
              this.stats.crossCell++;
              this.stats.eventsLeftBehind += this.anonEvents.get(key) ?? 0;
            }
            this.pendingHomes.push([c.ws, anonymousId, bucket, moved ? fromCell : null]);
          }
          this.homes.set(key, bucket);
        }
      }
      return this.cellOfBucket(c.ws, bucket);
    }
    const key = `${c.ws}:${anonymousId!}`;
    let bucket = this.homes.get(key);
    if (bucket === undefined) {
      bucket = this.firstBucket.get(key) ?? bucketOf(anonymousId!, plan.buckets);
      this.firstBucket.set(key, bucket);
      this.anonEvents.set(key, (this.anonEvents.get(key) ?? 0) + 1);
    }
    return this.cellOfBucket(c.ws, bucket);
  }

  /** Write the canonical buckets recorded so far to the directory. */
  async flushHomes(dir: Queryable): Promise<number> {
    const rows = this.pendingHomes.splice(0);
    for (let i = 0; i < rows.length; i += 1000) {
      const part = rows.slice(i, i + 1000);
      await dir.query(
        `INSERT INTO identity_homes (workspace_id, kind, value, bucket, moved_from_cell)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::int[]) ON CONFLICT DO NOTHING`,
        [part.map((r) => r[0]), part.map(() => 'anonymous_id'), part.map((r) => r[1]), part.map((r) => r[2]), part.map((r) => r[3])],
      );
    }
    return rows.length;
  }
}
