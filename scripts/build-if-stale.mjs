#!/usr/bin/env node
/**
 * Build what changed, nothing when nothing did (what `npm start` runs before starting).
 *
 * Two parts, each with its inputs fingerprinted (SHA-256 over every input file's path and
 * content) and compared with the fingerprint stored beside its output by the last good
 * build:
 *   server     src/**\/*.ts (not tests, test-support or the dashboard) + tsconfigs + package-lock.json → dist/server (tsc)
 *   dashboard  src/dashboard/** + src/contracts/** + vite.config.ts + tsconfig.dashboard.json + package-lock.json → dist/dashboard (vite)
 * Content, not modification times: a fresh clone or a branch switch that brings the same
 * files back builds nothing, and an edit saved with an old time is still seen.
 *
 *   node scripts/build-if-stale.mjs            # build the stale parts
 *   node scripts/build-if-stale.mjs --check    # only say what is stale (exit 1 if anything is)
 *   node scripts/build-if-stale.mjs --force    # build both
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const args = new Set(process.argv.slice(2));

/** Every file under `dir` (relative to ROOT, '/'-separated), sorted. */
function walk(dir) {
  const out = [];
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return out;
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...walk(rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

const isTest = (f) => /\.test\.tsx?$/.test(f);

/** The build parts: their inputs, their output, the command that makes it. */
const PARTS = [
  {
    name: 'server',
    inputs: () => [
      ...walk('src').filter((f) => f.endsWith('.ts') && !isTest(f) && !f.startsWith('src/test-support/') && !f.startsWith('src/dashboard/')),
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
    ],
    output: 'dist/server/main.js',
    stamp: 'dist/.build-server.sha256',
    command: [join(BIN, 'tsc'), ['-p', 'tsconfig.build.json']],
  },
  {
    name: 'dashboard',
    inputs: () => [...walk('src/dashboard').filter((f) => !isTest(f)), ...walk('src/contracts').filter((f) => !isTest(f)), 'vite.config.ts', 'tsconfig.dashboard.json', 'package-lock.json'],
    output: 'dist/dashboard/index.html',
    stamp: 'dist/.build-dashboard.sha256',
    command: [join(BIN, 'vite'), ['build', '--logLevel', 'warn']],
  },
];

/** SHA-256 over the sorted inputs' paths and contents (a missing input counts as such). */
function fingerprint(files) {
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) {
    h.update(`${f}\0`);
    const abs = join(ROOT, f);
    h.update(existsSync(abs) ? readFileSync(abs) : '<missing>');
    h.update('\0');
  }
  return h.digest('hex');
}

function storedFingerprint(part) {
  const abs = join(ROOT, part.stamp);
  return existsSync(abs) && existsSync(join(ROOT, part.output)) ? readFileSync(abs, 'utf8').trim() : null;
}

const t0 = performance.now();
let stale = 0;
for (const part of PARTS) {
  const now = fingerprint(part.inputs());
  const before = storedFingerprint(part);
  if (now === before && !args.has('--force')) {
    console.log(`build: ${part.name} is up to date`);
    continue;
  }
  stale++;
  const why = args.has('--force') ? 'forced' : before === null ? `no previous build in ${relative(ROOT, join(ROOT, part.output)).split(sep)[0]}/` : 'sources changed';
  if (args.has('--check')) {
    console.log(`build: ${part.name} is stale (${why})`);
    continue;
  }
  console.log(`build: building the ${part.name} (${why})…`);
  const t = performance.now();
  const [cmd, cmdArgs] = part.command;
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: the ${part.name} build failed (${r.error?.message ?? `exit code ${r.status}`})`);
    process.exit(r.status || 1);
  }
  // Fingerprinted again after the build: an edit made while it ran leaves the part stale.
  writeFileSync(join(ROOT, part.stamp), `${fingerprint(part.inputs()) === now ? now : 'edited-during-build'}\n`);
  console.log(`build: ${part.name} built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
if (args.has('--check')) process.exit(stale > 0 ? 1 : 0);
if (stale === 0) console.log(`build: nothing to do (checked in ${((performance.now() - t0) / 1000).toFixed(2)} s)`);
