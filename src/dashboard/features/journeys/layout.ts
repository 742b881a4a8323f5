import type { JourneyDefinition } from '../../../contracts/journey.js';
import { portsOf, TRIGGER } from './model.js';

/** Node box size and spacing of the layered layout (pixels, canvas coordinates). */
export const NODE_W = 240;
export const NODE_H = 104;
const GAP_X = 48;
const GAP_Y = 80;

/**
 * A simple top-to-bottom layered layout: each node sits one layer below the deepest
 * step that leads to it (edges going back up, i.e. loops, are ignored), and each layer is
 * ordered by where its parents are, then centred. Steps no path reaches go in a last row.
 */
export function layoutJourney(def: JourneyDefinition): Map<string, { x: number; y: number }> {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const children = (id: string): string[] => (id === TRIGGER ? [def.start] : portsOf(byId.get(id)!).map((p) => p.target)).filter((t) => byId.has(t));
  // Depth-first from the trigger: finish order gives a topological order of the forward edges.
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const back = new Set<string>();
  const pre: string[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    pre.push(id);
    for (const c of children(id)) {
      const st = state.get(c);
      if (st === 1) back.add(`${id}>${c}`);
      else if (st === undefined) visit(c);
    }
    state.set(id, 2);
    order.push(id);
  };
  visit(TRIGGER);
  order.reverse();
  const depth = new Map<string, number>([[TRIGGER, 0]]);
  const parents = new Map<string, string[]>();
  for (const id of order) {
    for (const c of children(id)) {
      if (back.has(`${id}>${c}`)) continue;
      depth.set(c, Math.max(depth.get(c) ?? 0, (depth.get(id) ?? 0) + 1));
      parents.set(c, [...(parents.get(c) ?? []), id]);
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const s of def.steps) if (!depth.has(s.id)) depth.set(s.id, maxDepth + 1);
  const layers: string[][] = [];
  // Discovery order (parents' ports, left to right) is the first guess of the order in a layer.
  const rank = new Map(pre.map((id, i) => [id, i]));
  for (const [id, d] of depth) (layers[d] ??= []).push(id);
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, layer] of layers.entries()) {
    if (!layer) continue;
    const key = (id: string) => {
      const ps = (parents.get(id) ?? []).map((p) => pos.get(p)?.x).filter((x): x is number => x !== undefined);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Infinity;
    };
    layer.sort((a, b) => key(a) - key(b) || (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9));
    // Each node wants to sit under its parents; keep them apart, then re-centre the layer on what they wanted.
    const want = layer.map((id) => {
      const k = key(id);
      return Number.isFinite(k) ? k : 0;
    });
    const xs: number[] = [];
    want.forEach((w, i) => xs.push(i === 0 ? w : Math.max(w, xs[i - 1]! + NODE_W + GAP_X)));
    const shift = (want.reduce((a, b) => a + b, 0) - xs.reduce((a, b) => a + b, 0)) / layer.length;
    layer.forEach((id, i) => pos.set(id, { x: xs[i]! + shift, y: d * (NODE_H + GAP_Y) }));
  }
  return pos;
}
