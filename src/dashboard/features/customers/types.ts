import type { z } from 'zod';
import type { AccountDetail, CustomerDetail, CustomerList, CustomerSummary, EventList, EventSchema } from '../../../contracts/admin.js';
import type { HealthView } from '../../../contracts/health.js';
import type { StageHistory } from '../../../contracts/lifecycle.js';
import type { CustomerJourneyRuns } from '../../../contracts/journey.js';
import type { CustomerSubscriptions, MessageView } from '../../../contracts/messaging.js';
import type { CustomerPredictions, CustomerRecommendations } from '../../../contracts/predictions.js';
import type { CustomerSegments, SegmentList } from '../../../contracts/segment-definition.js';

/** Wire shapes the customers pages read (types only: zod stays out of the chunk). */
export type Summary = z.infer<typeof CustomerSummary>;
export type CustomerListView = z.infer<typeof CustomerList>;
export type Detail = z.infer<typeof CustomerDetail>;
export type Account = z.infer<typeof AccountDetail>;
export type TimelineEvent = z.infer<typeof EventSchema>;
export type EventPage = z.infer<typeof EventList>;
export type Stages = z.infer<typeof StageHistory>;
export type Health = z.infer<typeof HealthView>;
export type Predictions = z.infer<typeof CustomerPredictions>;
export type Segments = z.infer<typeof CustomerSegments>;
export type SegmentListView = z.infer<typeof SegmentList>;
export type Message = z.infer<typeof MessageView>;

export type JourneyRuns = z.infer<typeof CustomerJourneyRuns>;
export type Recommendations = z.infer<typeof CustomerRecommendations>;
export type Subscriptions = z.infer<typeof CustomerSubscriptions>;

/** A stage as the lifecycle model names it. */
export interface StageDef {
  key: string;
  name: string;
}

/** GET /api/lifecycle/model, read loosely (the model is `unknown` on the wire). */
export interface ModelResponse {
  version: number;
  model: { name?: string; stages?: StageDef[]; atRisk?: StageDef; churned?: StageDef } | null;
}

/** Every stage of the model in order: the ladder, then at_risk and churned. */
export function stagesOf(m: ModelResponse | undefined): StageDef[] {
  const model = m?.model;
  if (!model) return [];
  return [...(model.stages ?? []), ...(model.atRisk ? [model.atRisk] : []), ...(model.churned ? [model.churned] : [])].map((s) => ({ key: s.key, name: s.name }));
}

/** The id the customer API takes for this profile: its userId, else its first anonymousId. */
export function customerKey(c: Pick<Summary, 'userId' | 'anonymousIds'>): string | null {
  return c.userId ?? c.anonymousIds[0] ?? null;
}

/** The dashboard path of a customer's 360 page. */
export function customerPath(id: string): string {
  return `/customers/${encodeURIComponent(id)}`;
}

/** A string trait, or null. */
export function traitText(traits: Record<string, unknown>, key: string): string | null {
  const v = traits[key];
  return typeof v === 'string' && v.trim() ? v : null;
}

/** The name to show: the `name` trait, first + last name, or null. */
export function displayName(traits: Record<string, unknown>): string | null {
  const name = traitText(traits, 'name');
  if (name) return name;
  const parts = [traitText(traits, 'first_name') ?? traitText(traits, 'firstName'), traitText(traits, 'last_name') ?? traitText(traits, 'lastName')].filter(Boolean);
  return parts.length ? parts.join(' ') : null;
}

/** A trait value as text for a key/value list. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
