/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * package/area, as shares of all samples, so "where does the server's time go" is a
 * short table instead of a flame graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Busy (non-idle) time sampled; shares are of this. */
  totalMs: number;
  idleMs: number;
  functions: Array<{ name: string; where: string; ms: number; share: number }>;
  areas: Array<{ area: string; ms: number; share: number }>;
}

/** Summarise the newest .cpuprofile in `dir`; null if none was written. */
export function summariseProfileDir(dir: string, top = 20): ProfileSummary | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const file = files[files.length - 1];
  return file ? summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, top) : null;
}

/** Self time per function (name + file:line) and per area (package or src/ folder). */
export function summariseProfile(p: Profile, top = 20): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, { name: string; where: string; ms: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idle += ms;
      return;
    }
    total += ms;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}|${where}`;
    const entry = fn.get(key) ?? { name: frame.functionName || '(anonymous)', where, ms: 0 };
    entry.ms += ms;
    fn.set(key, entry);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  });
  const share = (ms: number) => Math.round((1000 * ms) / total) / 10;
  return {
    totalMs: Math.round(total),
    idleMs: Math.round(idle),
    functions: [...fn.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), share: share(ms) })),
  };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  return path.includes('/node_modules/') ? path.replace(/^.*\/node_modules\//, '') : path.replace(/^.*\/dist\//, 'dist/');
}

/** "pg", "fastify", "zod", "dist/server/ingest", "node:internal", "(garbage collector)", … */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const mod = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (mod) return mod[1]!;
  const own = /\/dist\/([^/]+\/[^/]+)\//.exec(url);
  if (own) return `dist/${own[1]}`;
  if (url.startsWith('node:')) return 'node:internal';
  if (url.startsWith('wasm://')) return 'WebAssembly (PGlite = Postgres in WASM)';
  return url;
}

/** Print a summary as indented lines. */
export function formatProfile(s: ProfileSummary, top = 15): string {
  const lines = [`  server CPU profile: ${(s.totalMs / 1000).toFixed(1)} s busy on the main thread, ${(s.idleMs / 1000).toFixed(1)} s idle; busy self time by area:`];
  lines.push(
    `    ${s.areas
      .slice(0, 12)
      .map((a) => `${a.area} ${a.share}%`)
      .join(', ')}`,
  );
  lines.push('  top functions by self time:');
  for (const f of s.functions.slice(0, top)) lines.push(`    ${String(f.share).padStart(5)}%  ${f.name}  ${f.where}`);
  return lines.join('\n');
}
