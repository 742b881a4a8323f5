import { ConditionSchema, type Condition, type Duration } from '../../../contracts/condition.js';
import { leafFromDraft, type LeafDraft } from './leaf-drafts.js';
import { draftFromLeaf } from './leaf-load.js';

/**
 * The condition builder's tree: groups (all / any, optionally negated), leaf rows edited as
 * form drafts, and raw JSON rows for anything the builder cannot show. `toCondition` and
 * `fromCondition` map it to and from the rule language; a leaf that does not map back to
 * exactly itself becomes a JSON row, so no part of a definition is ever dropped.
 */
export type BuilderNode = GroupNode | LeafNode | JsonNode;

export interface GroupNode {
  id: string;
  type: 'group';
  mode: 'all' | 'any';
  negate: boolean;
  children: BuilderNode[];
  /** A group the loader made around a lone node (a leaf at the root, `not` of a leaf): with one child it saves as that child again. */
  wrap?: boolean;
}
export interface LeafNode {
  id: string;
  type: 'leaf';
  draft: LeafDraft;
}
export interface JsonNode {
  id: string;
  type: 'json';
  text: string;
}

let seq = 0;
/** A fresh id for a builder node (React keys, row labels). */
export const newId = () => `n${++seq}`;

/** An empty root group. */
export function emptyRoot(): GroupNode {
  return { id: newId(), type: 'group', mode: 'all', negate: false, children: [] };
}

/** A problem of one row, by node id. */
export type Problems = Map<string, string>;

/** The condition of a builder tree; problems (per node id) are collected, and the condition is null while any exists. */
export function toCondition(root: GroupNode): { condition: Condition | null; partial: Condition | null; problems: Problems } {
  const problems: Problems = new Map();
  const cond = nodeCondition(root, problems, true);
  return { condition: problems.size === 0 ? cond : null, partial: cond, problems };
}

function nodeCondition(n: BuilderNode, problems: Problems, isRoot = false): Condition | null {
  if (n.type === 'leaf') {
    const r = leafFromDraft(n.draft);
    if ('error' in r) problems.set(n.id, r.error);
    return 'condition' in r ? r.condition : null;
  }
  if (n.type === 'json') {
    let v: unknown;
    try {
      v = JSON.parse(n.text);
    } catch (e) {
      problems.set(n.id, `not valid JSON: ${(e as Error).message}`);
      return null;
    }
    const r = ConditionSchema.safeParse(v);
    if (!r.success) {
      const i = r.error.issues[0]!;
      problems.set(n.id, `${i.path.join('.') || 'condition'}: ${i.message}`);
    }
    return v as Condition;
  }
  const kids = n.children.map((c) => nodeCondition(c, problems));
  if (n.children.length === 0) {
    problems.set(n.id, isRoot ? 'Add at least one condition.' : 'An empty group: add a condition to it or remove it.');
    return null;
  }
  const ok = kids.filter((k): k is Condition => k !== null);
  if (n.wrap && ok.length === 1 && n.children.length === 1) return n.negate ? { not: ok[0]! } : ok[0]!;
  const group: Condition = n.mode === 'all' ? { all: ok } : { any: ok };
  return n.negate ? { not: group } : group;
}

/** JSON with object keys sorted, to compare conditions whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The builder tree of a saved condition: the root is always a group. */
export function fromCondition(c: unknown): GroupNode {
  const n = toNode(c);
  if (n.type === 'group') return n;
  return { id: newId(), type: 'group', mode: 'all', negate: false, children: [n], wrap: true };
}

function toNode(c: unknown): BuilderNode {
  if (c && typeof c === 'object' && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if ((keys[0] === 'all' || keys[0] === 'any') && Array.isArray(o[keys[0]])) {
        return { id: newId(), type: 'group', mode: keys[0], negate: false, children: (o[keys[0]] as unknown[]).map(toNode) };
      }
      if (keys[0] === 'not') {
        const inner = toNode(o.not);
        if (inner.type === 'group' && !inner.negate) return { ...inner, negate: true };
        return { id: newId(), type: 'group', mode: 'all', negate: true, children: [inner], wrap: true };
      }
      const draft = draftFromLeaf(c as Condition);
      if (draft) {
        const back = leafFromDraft(draft);
        if ('condition' in back && stableJson(back.condition) === stableJson(c)) return { id: newId(), type: 'leaf', draft };
      }
    }
  }
  return { id: newId(), type: 'json', text: JSON.stringify(c, null, 2) };
}

/** A duration in words: "30 days". */
export function durationText(d: Duration): string {
  return `${d.amount} ${d.amount === 1 ? d.unit.replace(/s$/, '') : d.unit}`;
}

/** Replace the node with `id` anywhere in the tree (or remove it, with null). */
export function updateNode(root: GroupNode, id: string, f: (n: BuilderNode) => BuilderNode | null): GroupNode {
  const walk = (n: BuilderNode): BuilderNode | null => {
    if (n.id === id) return f(n);
    if (n.type !== 'group') return n;
    return { ...n, children: n.children.map(walk).filter((x): x is BuilderNode => x !== null) };
  };
  return (walk(root) as GroupNode | null) ?? emptyRoot();
}
