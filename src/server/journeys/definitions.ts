import type { JourneyDefinition } from '../../contracts/journey.js';
import type { Queryable } from '../db/client.js';
import { conditionsOf, listenedEvents, listensToEverything } from './engine.js';
import { getVersion, liveJourneys, type LiveJourney } from './journeys.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A published definition with what the workers need to know of it, worked out once. */
export interface KnownVersion {
  definition: JourneyDefinition;
  /** Events that can move a run (goal, exit, event waits). */
  listens: Set<string>;
  /** Runs re-check conditions on every event of their customer. */
  listensToAll: boolean;
  /** Runs need the customer's facts (conditions, or a local-time wait that reads the timezone). */
  needsFacts: boolean;
}

/** Which events open runs listen to, and in which journeys. */
export interface Listeners {
  names: Set<string>;
  /** Some journey re-checks conditions on every event of its customers. */
  anyToAll: boolean;
  /** Per workspace, the journeys with listening versions. */
  journeys: Map<number, string[]>;
}

/**
 * Journey definitions as the workers see them: published versions never change, so each
 * is loaded and analysed once; the list of live journeys is re-read at most every
 * `ttlMs` (and at once after `invalidate`, which the admin API calls on publish/pause).
 */
export class JourneyDefinitions {
  private readonly versions = new Map<string, KnownVersion>();
  private live: { at: number; list: LiveJourney[] } | null = null;
  private listeners: { at: number; value: Listeners } | null = null;
  /** What `refresh` last saw of the journeys table. */
  private stamp: string | null = null;

  constructor(private readonly ttlMs = 1_000) {}

  invalidate(): void {
    this.live = null;
    this.listeners = null;
  }

  /**
   * Drop the lists read before the journeys last changed, in any process (a publish, pause
   * or resume elsewhere does not reach this cache's `invalidate`): one small read of what the
   * lists depend on (each journey's status, live version and publication time; not its
   * entry counter, which every entry moves), inside the caller's transaction. The trigger
   * scanner calls it holding its cursor, so a pass never reads events against a list older
   * than a publication that committed before it (those events would be passed over for good).
   */
  async refresh(db: Queryable): Promise<void> {
    const { rows } = await db.query<{ stamp: string }>(
      `SELECT coalesce(md5(string_agg(workspace_id || ':' || id || ':' || status || ':' || coalesce(live_version, 0) || ':' || coalesce(published_at::text, ''), ',' ORDER BY workspace_id, id)), '') AS stamp
         FROM journeys WHERE status IN ('live', 'paused')`,
    );
    const stamp = rows[0]?.stamp ?? '';
    if (stamp !== this.stamp) this.invalidate();
    this.stamp = stamp;
  }

  /**
   * What can move open runs: every published version of every live or paused journey
   * (runs stay on the version they entered), re-read at most every `ttlMs`.
   */
  async openListeners(db: Queryable): Promise<Listeners> {
    if (this.listeners && Date.now() - this.listeners.at < this.ttlMs) return this.listeners.value;
    const { rows } = await db.query<RowPick<typeof schema.journeyVersions, 'workspace_id' | 'journey_id' | 'version'>>(
      `SELECT v.workspace_id, v.journey_id, v.version FROM journey_versions v JOIN journeys j ON j.workspace_id = v.workspace_id AND j.id = v.journey_id
        WHERE j.status IN ('live', 'paused') AND v.version <= j.live_version`,
    );
    const value: Listeners = { names: new Set(), anyToAll: false, journeys: new Map() };
    for (const r of rows) {
      const v = await this.version(db, r.workspace_id, r.journey_id, r.version);
      if (!v || (v.listens.size === 0 && !v.listensToAll)) continue;
      for (const n of v.listens) value.names.add(n);
      value.anyToAll ||= v.listensToAll;
      const list = value.journeys.get(r.workspace_id) ?? [];
      if (!list.includes(r.journey_id)) list.push(r.journey_id);
      value.journeys.set(r.workspace_id, list);
    }
    this.listeners = { at: Date.now(), value };
    return value;
  }

  async liveList(db: Queryable): Promise<LiveJourney[]> {
    if (this.live && Date.now() - this.live.at < this.ttlMs) return this.live.list;
    const list = await liveJourneys(db);
    for (const j of list) this.remember(j.workspaceId, j.id, j.version, j.definition);
    this.live = { at: Date.now(), list };
    return list;
  }

  /** One version (null: it does not exist). */
  async version(db: Queryable, workspaceId: number, journeyId: string, version: number): Promise<KnownVersion | null> {
    const key = `${workspaceId}:${journeyId}:${version}`;
    const known = this.versions.get(key);
    if (known) return known;
    const def = await getVersion(db, workspaceId, journeyId, version);
    return def ? this.remember(workspaceId, journeyId, version, def) : null;
  }

  private remember(workspaceId: number, journeyId: string, version: number, definition: JourneyDefinition): KnownVersion {
    const key = `${workspaceId}:${journeyId}:${version}`;
    let known = this.versions.get(key);
    if (!known) {
      known = {
        definition,
        listens: listenedEvents(definition),
        listensToAll: listensToEverything(definition),
        needsFacts: conditionsOf(definition).length > 0 || definition.steps.some((s) => s.type === 'waitUntil'),
      };
      this.versions.set(key, known);
    }
    return known;
  }
}
