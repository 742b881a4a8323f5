import { createElement, useMemo, type ReactNode } from 'react';
import { useApi } from '../../api/hooks.js';
import { OptionsContext, type BuilderOptions } from './fields.js';
import type { LeafKind } from './leaf-drafts.js';

/** The score names Tenure's engines write (churn model, health scorecard, CLV model, RFM). */
const KNOWN_SCORES = ['churn_risk', 'health', 'predicted_clv', 'p_alive', 'rfm_r', 'rfm_f', 'rfm_m'];

/** Event names a condition mentions (performed, lastPerformed, aggregate leaves), at any depth. */
export function eventNames(c: unknown, into: Set<string>): void {
  if (Array.isArray(c)) {
    for (const x of c) eventNames(x, into);
    return;
  }
  if (!c || typeof c !== 'object') return;
  const o = c as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if ((k === 'performed' || k === 'lastPerformed' || k === 'aggregate') && v && typeof v === 'object') {
      const ev = (v as { event?: unknown }).event;
      if (typeof ev === 'string') into.add(ev);
    } else eventNames(v, into);
  }
}

interface ModelShape {
  stages?: Array<{ key: string; name: string; rule?: unknown }>;
  atRisk?: { key: string; name: string; rule?: unknown };
  churned?: { key: string; name: string; rule?: unknown };
}

/**
 * What the builder offers, from the API: the lifecycle model's stages, the saved segments,
 * and as event suggestions every event name the model's rules and the saved segments use
 * (there is no event catalogue endpoint; any other name can be typed).
 */
export function useBuilderOptions(selfId?: string, hideKinds?: LeafKind[]): BuilderOptions {
  const model = useApi('/api/lifecycle/model');
  const segs = useApi('/api/segments');
  return useMemo(() => {
    const m = (model.data?.model ?? {}) as ModelShape;
    const stages = [...(m.stages ?? []), ...(m.atRisk ? [m.atRisk] : []), ...(m.churned ? [m.churned] : [])];
    const events = new Set<string>();
    for (const s of stages) eventNames(s.rule, events);
    for (const s of segs.data?.segments ?? []) eventNames(s.condition, events);
    return {
      stages: stages.map((s) => ({ key: s.key, name: s.name })),
      segments: (segs.data?.segments ?? []).map((s) => ({ id: s.id, name: s.name })),
      events: [...events].sort(),
      scores: KNOWN_SCORES,
      selfId,
      hideKinds,
    };
  }, [model.data, segs.data, selfId, hideKinds]);
}

/** Provide the builder's options (read from the API) to every condition editor inside. */
export function ConditionOptions({ selfId, hideKinds, children }: { selfId?: string; hideKinds?: LeafKind[]; children: ReactNode }) {
  const value = useBuilderOptions(selfId, hideKinds);
  return createElement(OptionsContext.Provider, { value }, children);
}
