import { LifecycleModelSchema, type LifecycleModel } from '../../contracts/lifecycle.js';
import type { Queryable } from '../db/client.js';
import { defaultPreset } from './presets.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A workspace's lifecycle model and its version (0: the built-in default, never edited). */
export interface StoredModel {
  model: LifecycleModel;
  version: number;
}

const DEFAULT: StoredModel = { model: defaultPreset(), version: 0 };

/** The workspace's model; the default preset until someone edits it. */
export async function getModel(db: Queryable, workspaceId: number): Promise<StoredModel> {
  const { rows } = await db.query<RowPick<typeof schema.lifecycleModels, 'model' | 'version'>>(`SELECT model, version FROM lifecycle_models WHERE workspace_id = $1`, [workspaceId]);
  const row = rows[0];
  if (!row) return DEFAULT;
  return { model: LifecycleModelSchema.parse(row.model), version: row.version };
}

/** Store a (validated) model as the workspace's; returns the new version. */
export async function saveModel(db: Queryable, workspaceId: number, model: LifecycleModel): Promise<number> {
  const { rows } = await db.query<RowPick<typeof schema.lifecycleModels, 'version'>>(
    `INSERT INTO lifecycle_models (workspace_id, version, model, updated_at) VALUES ($1, 1, $2, now())
     ON CONFLICT (workspace_id) DO UPDATE SET version = lifecycle_models.version + 1, model = EXCLUDED.model, updated_at = now()
     RETURNING version`,
    [workspaceId, JSON.stringify(model)],
  );
  return rows[0]!.version;
}

/**
 * A per-process cache of models, checked against the stored version at most every
 * `ttlMs`, so the stage engine does not read and parse the model for every batch.
 */
export class ModelCache {
  private readonly entries = new Map<number, { stored: StoredModel; checkedAt: number }>();
  constructor(private readonly ttlMs = 2_000) {}

  async get(db: Queryable, workspaceId: number, now = Date.now()): Promise<StoredModel> {
    const e = this.entries.get(workspaceId);
    if (e && now - e.checkedAt < this.ttlMs) return e.stored;
    if (e) {
      const { rows } = await db.query<RowPick<typeof schema.lifecycleModels, 'version'>>(`SELECT version FROM lifecycle_models WHERE workspace_id = $1`, [workspaceId]);
      if ((rows[0]?.version ?? 0) === e.stored.version) {
        e.checkedAt = now;
        return e.stored;
      }
    }
    const stored = await getModel(db, workspaceId);
    this.entries.set(workspaceId, { stored, checkedAt: now });
    return stored;
  }

  /** Forget a workspace's model (after this process edited it). */
  invalidate(workspaceId: number): void {
    this.entries.delete(workspaceId);
  }
}
