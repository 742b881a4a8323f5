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
  const segments = useApi('/api/segments');
  const templates = useApi('/api/templates');
  const journeys = useApi('/api/journeys');
  const model = useApi('/api/lifecycle/model');
  return useMemo(
    () => namesFrom({ segments: segments.data?.segments, templates: templates.data?.templates, journeys: journeys.data?.journeys, stages: model.data && allStages(model.data.model) }),
    [segments.data, templates.data, journeys.data, model.data],
  );
}
