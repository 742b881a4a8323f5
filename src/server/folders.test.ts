/**
 * The server's folders form layers: no folder imports, directly or through others, a folder
 * that imports it back. A loop is how a misplaced helper ties eight folders into one knot
 * (round 2 found two: rules ↔ lifecycle, and ten folders around channels ↔ journeys). Type-only
 * imports are left out (they vanish at runtime and do not fix an order of loading), as are the
 * top-level files (config, log, main).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Folder → folder it imports → the import lines that make the arrow. */
export function folderGraph(root: string): Map<string, Map<string, string[]>> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(root);
  const folderOf = (p: string) => {
    const parts = relative(root, p).split('/');
    return parts.length > 1 ? parts[0]! : null;
  };
  const graph = new Map<string, Map<string, string[]>>();
  for (const f of files) {
    const from = folderOf(f);
    if (!from) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(/^(import|export)\s+(type\s+)?[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gms)) {
      if (m[2]) continue;
      const target = resolve(dirname(f), m[3]!);
      const to = folderOf(target);
      if (!to || to === from || relative(root, target).startsWith('..')) continue;
      const out = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, out);
      out.set(to, [...(out.get(to) ?? []), `${relative(root, f)} imports ${relative(root, target)}`]);
    }
  }
  return graph;
}

/** The loops of a graph: its strongly connected parts of more than one node (Tarjan). */
export function loops(graph: Map<string, Map<string, unknown>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1) out.push(part.sort());
    }
  };
  const nodes = new Set([...graph.keys(), ...[...graph.values()].flatMap((m) => [...m.keys()])]);
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return out;
}

describe('server folders', () => {
  it('finds a loop when there is one (a → b → c → a), and none in a chain', () => {
    const g = (edges: Array<[string, string]>) => {
      const m = new Map<string, Map<string, unknown>>();
      for (const [a, b] of edges) m.set(a, (m.get(a) ?? new Map()).set(b, true));
      return m;
    };
    assert.deepEqual(
      loops(
        g([
          ['a', 'b'],
          ['b', 'c'],
          ['c', 'a'],
          ['c', 'd'],
        ]),
      ),
      [['a', 'b', 'c']],
    );
    assert.deepEqual(
      loops(
        g([
          ['a', 'b'],
          ['b', 'c'],
          ['a', 'c'],
        ]),
      ),
      [],
    );
  });

  it('import each other in no loop', () => {
    const graph = folderGraph(ROOT);
    assert.ok(graph.get('http')?.has('ingest'), 'the import graph was read (http imports ingest)');
    const found = loops(graph);
    const explain = found.map((part) =>
      [`loop: ${part.join(', ')}`, ...part.flatMap((a) => part.filter((b) => graph.get(a)?.has(b)).map((b) => `  ${a} → ${b}: ${graph.get(a)!.get(b)!.slice(0, 3).join('; ')}`))].join('\n'),
    );
    assert.deepEqual(explain, []);
  });
});
