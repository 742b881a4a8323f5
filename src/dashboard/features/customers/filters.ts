import type { SegmentListView, StageDef } from './types.js';

/** A choice of the Risk filter: what the API can filter by (a stage or a segment), under a risk name. */
export interface RiskChoice {
  value: string;
  label: string;
  set: { stage?: string; segment?: string };
}

function reads(cond: unknown, found: { scores: Set<string>; stages: Set<string> }): void {
  if (!cond || typeof cond !== 'object') return;
  if (Array.isArray(cond)) {
    for (const c of cond) reads(c, found);
    return;
  }
  const o = cond as Record<string, unknown>;
  const score = o.score as { name?: unknown } | undefined;
  if (score && typeof score.name === 'string') found.scores.add(score.name);
  const stage = o.stage as { key?: unknown } | undefined;
  if (stage && typeof stage.key === 'string') found.stages.add(stage.key);
  for (const v of Object.values(o)) if (v && typeof v === 'object') reads(v, found);
}

/**
 * The API filters customers by stage and by segment, not by a risk score. The Risk filter
 * therefore offers what maps onto those exactly: the model's at-risk and churned stages,
 * and the saved segments whose condition reads the churn-risk or health score or those stages.
 */
export function riskChoices(model: { atRisk?: StageDef; churned?: StageDef }, segments: SegmentListView['segments']): RiskChoice[] {
  const out: RiskChoice[] = [];
  const riskStages = [model.atRisk, model.churned].filter((s): s is StageDef => !!s);
  for (const s of riskStages) out.push({ value: `stage:${s.key}`, label: `Stage: ${s.name}`, set: { stage: s.key } });
  const keys = new Set(riskStages.map((s) => s.key));
  for (const seg of segments) {
    if (seg.scope !== 'customer') continue;
    const found = { scores: new Set<string>(), stages: new Set<string>() };
    reads(seg.condition, found);
    if (found.scores.has('churn_risk') || found.scores.has('health') || [...found.stages].some((k) => keys.has(k))) {
      out.push({ value: `segment:${seg.id}`, label: `Segment: ${seg.name}`, set: { segment: seg.id } });
    }
  }
  return out;
}

/** Cursors of the pages before this one, as kept in the URL (`cursors=688.638`). */
export function parseCursors(v: string | null): string[] {
  return (v ?? '').split('.').filter((c) => /^\d+$/.test(c));
}
