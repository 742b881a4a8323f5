/** How fast a bucket refills and how much it holds. */
export interface BucketRate {
  /** Tokens added per second (requests, or failures, allowed per second on average). */
  perSecond: number;
  /** Tokens a full bucket holds: the burst allowed after a quiet spell. */
  capacity: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Most keys (write keys, IPs) one set of buckets tracks; past this the least recently seen is forgotten. */
export const MAX_TRACKED_KEYS = 10_000;

/**
 * In-process token buckets, one per key (an IP address, a workspace), in bounded memory:
 * at most `maxKeys` buckets, the least recently used one dropped first (a dropped bucket
 * comes back full). Time is a parameter (`now`, ms).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rate: BucketRate,
    private readonly maxKeys = MAX_TRACKED_KEYS,
  ) {}

  /** Take one token: 0 when there was one, else the whole seconds until there will be (for Retry-After). */
  take(key: string, now: number): number {
    const b = this.refill(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.wait(b);
  }

  /** Like `take`, without taking: 0 when a token is there, else the seconds until there will be. */
  peek(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.rate.capacity, b.tokens + ((now - b.at) / 1000) * this.rate.perSecond);
    return tokens >= 1 ? 0 : this.wait({ tokens, at: now });
  }

  /** How many keys are tracked (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (b) {
      // Most recently used goes last, so the first key is the one to drop.
      this.buckets.delete(key);
      b.tokens = Math.min(this.rate.capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rate.perSecond);
      b.at = now;
    } else {
      b = { tokens: this.rate.capacity, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(key, b);
    return b;
  }

  private wait(b: Bucket): number {
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate.perSecond));
  }
}
