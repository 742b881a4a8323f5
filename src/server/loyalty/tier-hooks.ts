import type { ProgrammeSettings } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';

/**
 * Where the earn side calls the tiers (helper "tiers", src/server/loyalty/tiers*.ts): an
 * upgrade check after a member's points or spend moved, and the term review in the sweep.
 * TODO(integrator): the tiers module was not in main when this was written: replace the
 * bodies with `return checkUpgrade(…)` / `return reviewTiers(…)` from './tiers.js'.
 */

/** Move the member up when their measure reached a higher tier's entry (no-op without tiers). */
export async function tierCheckUpgrade(tx: Queryable, workspaceId: number, customerId: number, settings: ProgrammeSettings, at: Date): Promise<void> {
  void tx;
  void workspaceId;
  void customerId;
  void settings;
  void at;
}

/** Review the tiers of members whose term ended (returns how many were reviewed; 0 without tiers). */
export async function tierReview(tx: Queryable, workspaceId: number, settings: ProgrammeSettings, now: Date, limit: number): Promise<number> {
  void tx;
  void workspaceId;
  void settings;
  void now;
  void limit;
  return 0;
}
