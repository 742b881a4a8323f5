import type { LifecycleModel } from '../../../contracts/lifecycle.js';
import type { FlowsView } from './lifecycle-types.js';

/** How a move between stages reads on the overview (from the API's movement patterns). */
export type MoveKind = 'forward' | 'skip' | 'dropout' | 'backward' | 'recovered';

/** Words and colours of the kinds, in legend order. */
export const KINDS: Array<{ kind: MoveKind; label: string; hint: string; color: string }> = [
  { kind: 'forward', label: 'Forward', hint: 'to the next stage', color: '#4f46e5' },
  { kind: 'skip', label: 'Skipped ahead', hint: 'past one or more stages', color: '#0ea5e9' },
  { kind: 'dropout', label: 'Dropped out', hint: 'into at risk or churned', color: '#ef4444' },
  { kind: 'backward', label: 'Backward', hint: 'down the ladder', color: '#f59e0b' },
  { kind: 'recovered', label: 'Recovered', hint: 'out of at risk or churned', color: '#10b981' },
];
const KIND_COLOR = Object.fromEntries(KINDS.map((k) => [k.kind, k.color])) as Record<MoveKind, string>;

/** One drawn link, and the moves it stands for. */
export interface SankeyLink {
  source: string;
  target: string;
  value: number;
  kind: MoveKind;
  fromKey: string;
  toKey: string;
  byKind: Partial<Record<MoveKind, number>>;
  /** Drawn into a "(returned)" copy of its target: the move goes back against the ladder. */
  returned: boolean;
}

export interface SankeyModel {
  nodes: Array<{ name: string; key: string; depth: number; returned: boolean }>;
  links: SankeyLink[];
  /** Customers entering their first stage in the range (not drawn: every customer does it once). */
  entered: number;
  /** Moves per kind, for the legend. */
  totals: Record<MoveKind, number>;
}

/** The API's pattern of a move, as a kind; `regression` splits by where it goes. */
function kindOf(pattern: string, to: string, states: Set<string>): MoveKind | null {
  switch (pattern) {
    case 'linear':
      return 'forward';
    case 'skip':
      return 'skip';
    case 'recovered':
      return 'recovered';
    case 'cyclical':
      return 'backward';
    case 'regression':
      return states.has(to) ? 'dropout' : 'backward';
    default:
      return null; // 'entered'
  }
}

/**
 * The Sankey of stage moves. A Sankey cannot draw cycles, so stages are ranked (the ladder
 * in order, then at risk, then churned) and a move to a stage of the same or a lower rank
 * (loyalty → retention, churned → loyalty) is drawn into a separate node, "Retention
 * (returned)", in the last column. Every other link goes left to right.
 */
export function buildSankey(model: LifecycleModel, flows: FlowsView): SankeyModel {
  const ordered = [...model.stages, model.atRisk, model.churned];
  const states = new Set([model.atRisk.key, model.churned.key]);
  const names = new Map(ordered.map((s) => [s.key, s.name]));
  const rank = new Map(ordered.map((s, i) => [s.key, i]));
  // Stages of an earlier model (before a recompute) go after the known ones.
  let extra = ordered.length;
  for (const f of flows.flows) for (const k of [f.from, f.to]) if (k !== null && !rank.has(k)) rank.set(k, extra++);
  const nameOf = (k: string) => names.get(k) ?? k;

  const totals: Record<MoveKind, number> = { forward: 0, skip: 0, dropout: 0, backward: 0, recovered: 0 };
  let entered = 0;
  const links: SankeyLink[] = [];
  for (const f of flows.flows) {
    if (f.from === null) {
      entered += f.count;
      continue;
    }
    const byKind: Partial<Record<MoveKind, number>> = {};
    for (const [pattern, n] of Object.entries(f.patterns)) {
      const kind = kindOf(pattern, f.to, states);
      if (!kind || !n) continue;
      byKind[kind] = (byKind[kind] ?? 0) + n;
      totals[kind] += n;
    }
    const main = (Object.entries(byKind) as Array<[MoveKind, number]>).sort((a, b) => b[1] - a[1])[0];
    if (!main) continue;
    const returned = rank.get(f.to)! <= rank.get(f.from)!;
    links.push({ source: nameOf(f.from), target: returned ? `${nameOf(f.to)} (returned)` : nameOf(f.to), value: f.count, kind: main[0], fromKey: f.from, toKey: f.to, byKind, returned });
  }

  const used = new Set(links.flatMap((l) => [l.fromKey, l.returned ? '' : l.toKey]));
  const keys = [...rank.entries()].filter(([k]) => used.has(k)).sort((a, b) => a[1] - b[1]);
  // Columns: the used stages in rank order, then one column with every "(returned)" node.
  const nodes = keys.map(([k], i) => ({ name: nameOf(k), key: k, depth: i, returned: false }));
  const returnedKeys = [...new Set(links.filter((l) => l.returned).map((l) => l.toKey))].sort((a, b) => rank.get(a)! - rank.get(b)!);
  for (const k of returnedKeys) nodes.push({ name: `${nameOf(k)} (returned)`, key: k, depth: keys.length, returned: true });
  return { nodes, links, entered, totals };
}

/** The colour of a link's kind. */
export function kindColor(kind: MoveKind): string {
  return KIND_COLOR[kind];
}
