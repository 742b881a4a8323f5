/**
 * Names for the ids that rules, journeys and messages store (segments, templates, journeys,
 * lifecycle stages). A name when the thing exists; its id, saying it was deleted, when the
 * loaded list no longer has it; the bare id only while the list is still loading.
 */

export type NamedKind = 'segment' | 'template' | 'journey' | 'stage';

/** What the text functions call to name an id. */
export type Names = (kind: NamedKind, id: string, fallback?: string | null) => string;

/** Lists as the API returns them (undefined: not loaded, or unavailable). */
export interface NameLists {
  segments?: ReadonlyArray<{ id: string; name: string }>;
  templates?: ReadonlyArray<{ id: string; name: string }>;
  journeys?: ReadonlyArray<{ id: string; name: string }>;
  stages?: ReadonlyArray<{ key: string; name: string }>;
}

/** Without lists: ids as they are (what text functions do when given no names). */
export const idsOnly: Names = (_kind, id) => id;

/**
 * A name book over the loaded lists. `fallback` is a name recorded with the reference (an
 * event's `segmentName`), used for a deleted thing: "Old list (deleted segment)".
 */
export function namesFrom(lists: NameLists): Names {
  const maps: Partial<Record<NamedKind, Map<string, string>>> = {
    segment: lists.segments && new Map(lists.segments.map((x) => [x.id, x.name])),
    template: lists.templates && new Map(lists.templates.map((x) => [x.id, x.name])),
    journey: lists.journeys && new Map(lists.journeys.map((x) => [x.id, x.name])),
    stage: lists.stages && new Map(lists.stages.map((x) => [x.key, x.name])),
  };
  return (kind, id, fallback) => {
    const m = maps[kind];
    if (!m) return fallback || id;
    const name = m.get(id);
    if (name !== undefined) return name || id;
    return `${fallback || id} (deleted ${kind})`;
  };
}

const REFS: Array<{ kind: NamedKind; id: string; name?: string }> = [
  { kind: 'segment', id: 'segmentId', name: 'segmentName' },
  { kind: 'journey', id: 'journeyId', name: 'journeyName' },
  { kind: 'template', id: 'templateId' },
];

/**
 * What an event's properties refer to, by name: `{segmentId: 'seg_vip', segmentName: 'VIP'}`
 * reads "segment VIP"; a journey and a template likewise, joined by " · " (empty: none).
 */
export function refsText(properties: Record<string, unknown>, names: Names): string {
  const out: string[] = [];
  for (const r of REFS) {
    const id = properties[r.id];
    if (typeof id !== 'string' || !id) continue;
    const recorded = r.name ? properties[r.name] : undefined;
    out.push(`${r.kind} ${names(r.kind, id, typeof recorded === 'string' ? recorded : null)}`);
  }
  return out.join(' · ');
}
