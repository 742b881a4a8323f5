/**
 * What changed, and for which customers, told to whoever in this process reacts to it.
 *
 * A change is published after the commit that stored it, and that commit also recorded any
 * work the change makes for others (stage and segment re-evaluation, journey triggers: see
 * jobs/derived-work.repo.ts). So the bus carries no work: it only wakes the workers of this
 * process to look at once, instead of at their next poll. Nothing is lost when no one is
 * listening — another process's workers find the recorded work by polling — and a change
 * published twice costs one extra look.
 *
 * Who publishes what, and who listens, is in docs/architecture.md ("The change bus").
 */
import type { Scope } from '../rules/subjects.js';

export type Change =
  /**
   * Customers' timelines grew: events ingested, opens and clicks, inbox reads, consent, messages
   * recorded. Ingestion also says what changed for each customer (`changes`: the event names,
   * `$traits` when traits changed, `$all` for a new profile), as it recorded in the derived work.
   */
  | { kind: 'events'; workspaceId: number; customerIds: readonly number[]; changes?: ReadonlyMap<number, ReadonlySet<string>> }
  /** Customers' traits were changed by Tenure itself (a journey's "update traits" step). */
  | { kind: 'traits'; workspaceId: number; customerIds: readonly number[] }
  /** Stages were evaluated for these subjects; `moves` of them moved. */
  | { kind: 'stage'; workspaceId: number; scope: Scope; subjectIds: readonly number[]; moves: number }
  /** Segment memberships were evaluated for these customers; so many entered and exited. */
  | { kind: 'segment'; workspaceId: number; customerIds: readonly number[]; entered: number; exited: number }
  /** A journey was published, paused or edited. */
  | { kind: 'journeys'; workspaceId: number }
  /** The workspace's messaging settings (caps, quiet hours, senders) changed. */
  | { kind: 'messaging-settings'; workspaceId: number }
  /** A message was queued outside a journey (a test send, a broadcast). */
  | { kind: 'messages-queued'; workspaceId: number }
  /** Survey invitations were recorded outside a journey (a broadcast). */
  | { kind: 'surveys-queued'; workspaceId: number }
  /** Parked derived work was put back to be tried again. */
  | { kind: 'work-retried'; workspaceId: number }
  /** A job (recompute, model fit, import…) was queued. */
  | { kind: 'jobs-queued'; workspaceId: number; job: string };

export type ChangeKind = Change['kind'];
export type ChangeOf<K extends ChangeKind> = Extract<Change, { kind: K }>;

type Handler = (change: Change) => void;

/** A synchronous, in-process publish/subscribe of changes (see the file's comment). */
export class ChangeBus {
  private readonly handlers = new Map<ChangeKind, Set<Handler>>();

  /** `onError` hears a handler that threw (the others still run; the publisher never sees it). */
  constructor(private readonly onError: (err: unknown, change: Change) => void = () => {}) {}

  /** Call `handler` for every change of these kinds; returns the way to stop. */
  on<K extends ChangeKind>(kinds: K | readonly K[], handler: (change: ChangeOf<K>) => void): () => void {
    const list = (Array.isArray(kinds) ? kinds : [kinds]) as readonly K[];
    const h = handler as Handler;
    for (const k of list) {
      let set = this.handlers.get(k);
      if (!set) this.handlers.set(k, (set = new Set()));
      set.add(h);
    }
    return () => {
      for (const k of list) this.handlers.get(k)?.delete(h);
    };
  }

  publish(change: Change): void {
    const set = this.handlers.get(change.kind);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(change);
      } catch (err) {
        this.onError(err, change);
      }
    }
  }

  /** How many handlers hear this kind (tests, and the wiring's description of itself). */
  listeners(kind: ChangeKind): number {
    return this.handlers.get(kind)?.size ?? 0;
  }
}
