import { randomBytes } from 'node:crypto';
import { JourneyDefinitionSchema, type JourneyDefinition, type JourneyInput } from '../../contracts/journey.js';
import type { Queryable } from '../db/client.js';
import { lockCursorRow } from '../jobs/event-cursor.js';
import type { Col, RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** The trigger scanner's row in journey_cursor (journeys/trigger-scanner.ts). */
export const TRIGGER_CURSOR = 1;

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';

/** A journey as stored, with its newest definition. */
export interface StoredJourney {
  workspaceId: number;
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  version: number;
  liveVersion: number | null;
  definition: JourneyDefinition;
  triggerState: Record<string, unknown>;
  entries: number;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
}

/** A published version new customers can enter (status live). */
export interface LiveJourney {
  workspaceId: number;
  id: string;
  name: string;
  version: number;
  definition: JourneyDefinition;
  publishedAt: Date;
  entries: number;
  limit: number | null;
  triggerState: Record<string, unknown>;
}

const COLS = `j.workspace_id AS "workspaceId", j.id, j.name, j.description, j.status, j.version, j.live_version AS "liveVersion", v.definition,
  j.trigger_state AS "triggerState", j.entries, j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.published_at AS "publishedAt"`;
/** The row COLS selects. */
type JourneyRow = RowPickCamel<
  typeof schema.journeys,
  'workspace_id' | 'id' | 'name' | 'description' | 'status' | 'version' | 'live_version' | 'trigger_state' | 'entries' | 'created_at' | 'updated_at' | 'published_at',
  Pick<StoredJourney, 'triggerState'>
> &
  RowPick<typeof schema.journeyVersions, 'definition'>;

export function newJourneyId(): string {
  return `jny_${randomBytes(8).toString('hex')}`;
}

/** Stored definitions were valid when saved; parse again so defaults of newer code apply. */
function parseDefinition(d: unknown): JourneyDefinition {
  return JourneyDefinitionSchema.parse(d);
}

export async function listJourneys(db: Queryable, workspaceId: number): Promise<StoredJourney[]> {
  const { rows } = await db.query<JourneyRow>(
    `SELECT ${COLS} FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.version
      WHERE j.workspace_id = $1 AND j.status <> 'archived' ORDER BY j.created_at, j.id`,
    [workspaceId],
  );
  return rows.map((r) => ({ ...r, definition: parseDefinition(r.definition) }));
}

export async function getJourney(db: Queryable, workspaceId: number, id: string, opts: { forUpdate?: boolean } = {}): Promise<StoredJourney | null> {
  const { rows } = await db.query<JourneyRow>(
    `SELECT ${COLS} FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.version
      WHERE j.workspace_id = $1 AND j.id = $2${opts.forUpdate ? ' FOR UPDATE OF j' : ''}`,
    [workspaceId, id],
  );
  return rows[0] ? { ...rows[0], definition: parseDefinition(rows[0].definition) } : null;
}

/** One version's definition (runs keep the version they entered). */
export async function getVersion(db: Queryable, workspaceId: number, journeyId: string, version: number): Promise<JourneyDefinition | null> {
  const { rows } = await db.query<RowPick<typeof schema.journeyVersions, 'definition'>>(`SELECT definition FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 AND version = $3`, [
    workspaceId,
    journeyId,
    version,
  ]);
  return rows[0] ? parseDefinition(rows[0].definition) : null;
}

export async function insertJourney(tx: Queryable, workspaceId: number, id: string, input: JourneyInput): Promise<void> {
  await tx.query(`INSERT INTO journeys (workspace_id, id, name, description) VALUES ($1, $2, $3, $4)`, [workspaceId, id, input.name, input.description]);
  await tx.query(`INSERT INTO journey_versions (workspace_id, journey_id, version, definition) VALUES ($1, $2, 1, $3)`, [workspaceId, id, JSON.stringify(input.definition)]);
}

/**
 * Save an edit. A definition change on a journey that was ever published makes a new
 * version (customers in flight stay on theirs); a draft's only version is edited in place.
 * A live journey's new version goes live at once (`publish` semantics) only when
 * `publish` is set; otherwise it waits as the draft of the next version.
 */
export async function updateJourney(tx: Queryable, j: StoredJourney, input: JourneyInput): Promise<number> {
  const changed = JSON.stringify(input.definition) !== JSON.stringify(j.definition);
  let version = j.version;
  if (changed) {
    if (j.liveVersion !== null && j.liveVersion >= j.version) {
      version = j.version + 1;
      await tx.query(`INSERT INTO journey_versions (workspace_id, journey_id, version, definition) VALUES ($1, $2, $3, $4)`, [j.workspaceId, j.id, version, JSON.stringify(input.definition)]);
    } else {
      await tx.query(`UPDATE journey_versions SET definition = $4, created_at = now() WHERE workspace_id = $1 AND journey_id = $2 AND version = $3`, [
        j.workspaceId,
        j.id,
        version,
        JSON.stringify(input.definition),
      ]);
    }
  }
  await tx.query(`UPDATE journeys SET name = $3, description = $4, version = $5, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [
    j.workspaceId,
    j.id,
    input.name,
    input.description,
    version,
  ]);
  return version;
}

/**
 * Hold the trigger scanner's cursor for the rest of this transaction, making it at the end
 * of the events on first use (it waits for a pass in hand; passes skip while it is held).
 * A publication takes it before reading its clock: every event a pass has already read was
 * received before that time, and every event received after it is read by a pass that sees
 * the journey live; without it, the events of a pass running across the publication were
 * passed over for good.
 */
export async function lockTriggerScanner(tx: Queryable): Promise<void> {
  await lockCursorRow(tx, 'journey_cursor', TRIGGER_CURSOR, { skipLocked: false, startAtEnd: true });
}

/**
 * Make the newest version the live one and take new entries (from events that happen from
 * now on), holding the trigger scanner (`lockTriggerScanner`; a caller that reads `now`
 * after taking it itself closes the gap between its clock and the lock).
 */
export async function publishJourney(tx: Queryable, j: StoredJourney, now: Date): Promise<void> {
  await lockTriggerScanner(tx);
  await tx.query(`UPDATE journeys SET status = 'live', live_version = version, published_at = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [j.workspaceId, j.id, now.toISOString()]);
}

/** Stop taking new entries and stop moving runs (they resume where they were on publish). */
export async function setJourneyStatus(tx: Queryable, workspaceId: number, id: string, status: JourneyStatus): Promise<void> {
  await tx.query(`UPDATE journeys SET status = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [workspaceId, id, status]);
}

const LIVE = `SELECT j.workspace_id AS "workspaceId", j.id, j.name, j.live_version AS version, v.definition, j.published_at AS "publishedAt", j.entries,
            (v.definition -> 'entry' ->> 'limit')::bigint AS limit, j.trigger_state AS "triggerState"
       FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.live_version
      WHERE j.status = 'live'`;
/** The row LIVE selects (a live journey has a live version and a publication time). */
type LiveJourneyRow = RowPickCamel<typeof schema.journeys, 'workspace_id' | 'id' | 'name' | 'published_at' | 'entries' | 'trigger_state', Pick<LiveJourney, 'publishedAt' | 'triggerState'>> &
  RowPick<typeof schema.journeyVersions, 'definition'> & { version: NonNullable<Col<typeof schema.journeys, 'live_version'>>; limit: number | null };

/** Every live journey of every workspace at its live version. */
export async function liveJourneys(db: Queryable): Promise<LiveJourney[]> {
  const { rows } = await db.query<LiveJourneyRow>(`${LIVE} ORDER BY j.workspace_id, j.id`);
  return rows.map((r) => ({ ...r, definition: parseDefinition(r.definition) }));
}

/** One live journey at its live version (null when it is not live). */
export async function liveJourney(db: Queryable, workspaceId: number, id: string): Promise<LiveJourney | null> {
  const { rows } = await db.query<LiveJourneyRow>(`${LIVE} AND j.workspace_id = $1 AND j.id = $2`, [workspaceId, id]);
  return rows[0] ? { ...rows[0], definition: parseDefinition(rows[0].definition) } : null;
}

/** The status of journeys by id (the runner moves runs only of live journeys). */
export async function journeyStatuses(db: Queryable, keys: Array<{ workspaceId: number; id: string }>): Promise<Map<string, { status: JourneyStatus; name: string }>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<RowPick<typeof schema.journeys, 'workspace_id' | 'id' | 'status' | 'name'>>(
    `SELECT j.workspace_id, j.id, j.status, j.name FROM journeys j JOIN unnest($1::int[], $2::text[]) k(ws, id) ON j.workspace_id = k.ws AND j.id = k.id`,
    [keys.map((k) => k.workspaceId), keys.map((k) => k.id)],
  );
  return new Map(rows.map((r) => [`${r.workspace_id}:${r.id}`, { status: r.status, name: r.name }]));
}

/** The journeys not archived whose current or live version sends this template, by id. */
export async function journeysUsingTemplate(db: Queryable, workspaceId: number, templateId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT DISTINCT j.id FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version IN (j.version, j.live_version)
      WHERE j.workspace_id = $1 AND j.status <> 'archived' AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.definition -> 'steps') s WHERE s ->> 'template' = $2)`,
    [workspaceId, templateId],
  );
  return rows.map((x) => x.id);
}
