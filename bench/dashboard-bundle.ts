/**
 * The dashboard's production bundle: what a first visit to the overview downloads before
 * it can draw (the entry and its static imports, plus the overview page's chunk), and
 * what loads later (charts, the journey canvas, other pages). Sizes gzipped, as served.
 *
 *   npm run build:dashboard && node --import tsx bench/dashboard-bundle.ts [DIR]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

interface Chunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

const dir = process.argv[2] ?? 'dist/dashboard';
const manifest = JSON.parse(readFileSync(join(dir, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
const gz = (file: string) => gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
const raw = (file: string) => statSync(join(dir, file)).size;

/** A chunk and everything it imports statically. */
function closure(keys: string[]): Set<string> {
  const seen = new Set<string>();
  const walk = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const i of manifest[k]?.imports ?? []) walk(i);
  };
  keys.forEach(walk);
  return seen;
}

const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
if (!entry) throw new Error(`no entry chunk in ${dir}/.vite/manifest.json`);
const overview = Object.keys(manifest).find((k) => k.endsWith('features/overview/OverviewPage.tsx'));
const initial = closure([entry, ...(overview ? [overview] : [])]);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const sumJs = (keys: Iterable<string>) => {
  let g = 0;
  let r = 0;
  for (const k of keys) {
    g += gz(manifest[k]!.file);
    r += raw(manifest[k]!.file);
  }
  return { g, r };
};
const init = sumJs(initial);
const cssFiles = new Set([...initial].flatMap((k) => manifest[k]!.css ?? []));
const css = [...cssFiles].reduce((a, f) => a + gz(f), 0);

const allJs = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js'));
const total = allJs.reduce((a, f) => a + gz(`assets/${f}`), 0);
const lazy = Object.keys(manifest)
  .filter((k) => !initial.has(k) && manifest[k]!.file.endsWith('.js'))
  .map((k) => ({ name: manifest[k]!.src ?? manifest[k]!.name ?? k, file: manifest[k]!.file, gz: gz(manifest[k]!.file) }))
  .sort((a, b) => b.gz - a.gz);

console.log(`dashboard bundle (${dir}), gzip -9`);
console.log(`  initial JavaScript for the overview: ${kb(init.g)} gzipped (${kb(init.r)} raw) in ${initial.size} files; target < 500 KB gzipped`);
console.log(`  initial CSS: ${kb(css)} gzipped`);
console.log(`  all JavaScript: ${kb(total)} gzipped in ${allJs.length} files`);
console.log('  largest lazy chunks:');
for (const c of lazy.slice(0, 8)) console.log(`    ${kb(c.gz).padStart(9)}  ${c.name}`);
