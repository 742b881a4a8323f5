import { mergeProfileInto, type Profile } from './profile.js';

export type IdKind = 'user' | 'anonymous';

/** A profile merge decided while resolving a batch. */
export interface Merge {
  fromId: number;
  intoId: number;
  reason: 'identify' | 'alias';
  /** The merged-away profile exists in the database (not only in this batch). */
  fromStored: boolean;
}

/**
 * The identities and profiles touched by one batch, loaded from the database, then
 * changed in memory as the batch's calls are resolved in order. Pure apart from the id
 * allocator; the caller persists `newIdentities`, `reboundIdentities`, `merges` and the
 * dirty profiles.
 */
export class IdentityGraph {
  private readonly ids = new Map<string, number>();
  readonly profiles = new Map<number, Profile>();
  private readonly mergedInto = new Map<number, number>();
  readonly merges: Merge[] = [];
  /** Identities that did not exist when the batch started (must still be absent at insert). */
  readonly newIdentities = new Map<string, { kind: IdKind; value: string }>();
  /** Existing identities pointed at another customer. */
  readonly reboundIdentities = new Map<string, { kind: IdKind; value: string }>();

  constructor(private readonly allocateId: () => number) {}

  /** Seed with an identity row read from the database. */
  load(kind: IdKind, value: string, customerId: number): void {
    this.ids.set(key(kind, value), customerId);
  }

  /** Seed with a customer row read from the database. */
  addProfile(p: Profile): void {
    this.profiles.set(p.id, p);
  }

  /** Current customer of an identity, following merges. */
  lookup(kind: IdKind, value: string): number | undefined {
    const id = this.ids.get(key(kind, value));
    return id === undefined ? undefined : this.canonical(id);
  }

  canonical(id: number): number {
    let cur = id;
    for (let next = this.mergedInto.get(cur); next !== undefined; next = this.mergedInto.get(cur)) cur = next;
    return cur;
  }

  profile(id: number): Profile {
    const p = this.profiles.get(this.canonical(id));
    if (!p) throw new Error(`profile ${id} not loaded`);
    return p;
  }

  /** Resolve the customer of a call with these ids, linking and merging as Segment identity rules say. */
  resolve(userId: string | null, anonymousId: string | null): number {
    const cu = userId ? this.lookup('user', userId) : undefined;
    const ca = anonymousId ? this.lookup('anonymous', anonymousId) : undefined;
    if (userId === null) {
      if (ca !== undefined) return ca;
      const id = this.create(null);
      this.link('anonymous', anonymousId!, id);
      return id;
    }
    if (cu !== undefined) {
      if (anonymousId && ca === undefined) this.link('anonymous', anonymousId, cu);
      else if (anonymousId && ca !== undefined && ca !== cu) {
        // The anonymous profile becomes this user's, unless it already belongs to another known user
        // (a shared device): then only future activity of that anonymousId goes to this user.
        if (this.profile(ca).userId === null) this.merge(ca, cu, 'identify');
        else this.link('anonymous', anonymousId, cu);
      }
      return cu;
    }
    if (ca !== undefined && this.profile(ca).userId === null) {
      const p = this.profile(ca);
      p.userId = userId;
      p.dirty = true;
      this.link('user', userId, ca);
      return ca;
    }
    const id = this.create(userId);
    this.link('user', userId, id);
    if (anonymousId) this.link('anonymous', anonymousId, id);
    return id;
  }

  /** Segment `alias`: `previousId` (an old userId or an anonymousId) becomes the same person as `userId`. */
  alias(userId: string, previousId: string): number {
    const prev = this.lookup('user', previousId) ?? this.lookup('anonymous', previousId);
    const cu = this.lookup('user', userId);
    if (prev !== undefined && cu !== undefined) {
      if (prev !== cu) this.merge(prev, cu, 'alias');
      return cu;
    }
    if (prev !== undefined) {
      const p = this.profile(prev);
      if (p.userId === null) p.userId = userId;
      p.dirty = true;
      this.link('user', userId, prev);
      return prev;
    }
    const id = cu ?? this.create(userId);
    if (cu === undefined) this.link('user', userId, id);
    this.link('user', previousId, id);
    return id;
  }

  private create(userId: string | null): number {
    const id = this.allocateId();
    this.profiles.set(id, {
      id,
      userId,
      traits: {},
      traitTimes: {},
      firstTouch: null,
      lastTouch: null,
      isNew: true,
      dirty: true,
    });
    return id;
  }

  private link(kind: IdKind, value: string, customerId: number): void {
    const k = key(kind, value);
    const existed = this.ids.has(k) && !this.newIdentities.has(k);
    this.ids.set(k, customerId);
    if (existed) this.reboundIdentities.set(k, { kind, value });
    else this.newIdentities.set(k, { kind, value });
  }

  private merge(fromId: number, intoId: number, reason: Merge['reason']): void {
    const from = this.profile(fromId);
    const into = this.profile(intoId);
    mergeProfileInto(into, from);
    if (!into.userId && from.userId) into.userId = from.userId;
    this.mergedInto.set(from.id, into.id);
    this.profiles.delete(from.id);
    this.merges.push({ fromId: from.id, intoId: into.id, reason, fromStored: !from.isNew });
  }

  /** Final customer id of an identity key that was written in this batch. */
  identityRows(which: 'new' | 'rebound'): Array<{ kind: IdKind; value: string; customer_id: number }> {
    const src = which === 'new' ? this.newIdentities : this.reboundIdentities;
    return [...src.entries()].map(([k, v]) => ({ kind: v.kind, value: v.value, customer_id: this.canonical(this.ids.get(k)!) }));
  }
}

function key(kind: IdKind, value: string): string {
  return `${kind}\u0000${value}`;
}
