import { useMemo } from 'react';
import { useApi } from '../api/hooks.js';
import { namesFrom, type Names } from './names.js';

type Named = { key: string; name: string };
interface LadderModel {
  stages: Named[];
  atRisk: Named;
  churned: Named;
}

/** Every state a customer can be in: the ladder's stages, then at risk and churned (which the model keeps apart). */
export function allStages(m: LadderModel): Named[] {
  return [...m.stages, m.atRisk, m.churned];
}

/** Names of the workspace's segments, templates, journeys and stages (shared, cached reads). */
export function useNames(): Names {
  const segments = useApi<{ segments: Array<{ id: string; name: string }> }>('/api/segments');
  const templates = useApi<{ templates: Array<{ id: string; name: string }> }>('/api/templates');
  const journeys = useApi<{ journeys: Array<{ id: string; name: string }> }>('/api/journeys');
  const model = useApi<{ model: LadderModel }>('/api/lifecycle/model');
  return useMemo(
    () => namesFrom({ segments: segments.data?.segments, templates: templates.data?.templates, journeys: journeys.data?.journeys, stages: model.data && allStages(model.data.model) }),
    [segments.data, templates.data, journeys.data, model.data],
  );
}
