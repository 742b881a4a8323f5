import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../db/client.js';
import type { Workspace } from '../workspaces/workspaces.repo.js';
import { openRuntime } from '../runtime.js';
import { buildReport, reportCsv, reportMarkdown } from '../analytics/report.js';
import { getModel, ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { stageDistribution } from '../lifecycle/stages.read.js';
import { getSegment } from '../segments/segments.repo.js';
import { membersCsv } from '../segments/segments.service.js';
import { importList, type ListMode } from '../segments/static-lists.js';
import { applyEventRetention, listEventPartitions } from '../db/event-partitions.js';

/** Open the database and the default workspace, run `fn`, and close the database whatever happens. */
export async function withRuntime<T>(config: Config, log: Logger, fn: (rt: { db: Db; workspace: Workspace }) => Promise<T>): Promise<T> {
  const { db, workspace } = await openRuntime(config, log);
  try {
    return await fn({ db, workspace });
  } finally {
    await db.close();
  }
}

/**
 * The commands that work on the stored data of the default workspace: `stages recompute`,
 * `report`, `segments export` and `segments import-list`; and `events retention`, on the
 * events of every workspace (docs/scaling.md, "Partitioned events and retention").
 */
export function addDataCommands(program: Command, config: Config, log: Logger): void {
  const stages = program.command('stages').description('lifecycle stages');
  stages
    .command('recompute')
    .description("rebuild every customer's (and account's) stage history from the events under the current model")
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (o: { progress: boolean }) => {
      await withRuntime(config, log, async ({ db, workspace }) => {
        const bar =
          o.progress && process.stderr.isTTY
            ? new cliProgress.SingleBar({ format: 'stages |{bar}| {percentage}% | {value}/{total} | {eta_formatted} left' }, cliProgress.Presets.shades_classic)
            : null;
        const t0 = performance.now();
        const r = await recomputeStages(db, workspace.id, {
          now: new Date(),
          models: new ModelCache(),
          onProgress: (done, total) => (done === 0 ? bar?.start(total, 0) : bar?.update(done)),
        });
        bar?.stop();
        const seconds = (performance.now() - t0) / 1000;
        process.stdout.write(`stages recomputed: ${r.subjects} customers and accounts, ${r.moves} moves in ${seconds.toFixed(1)} s\n`);
        const { model } = await getModel(db, workspace.id);
        const dist = await stageDistribution(db, workspace.id, model, 'customer');
        for (const s of dist.stages) process.stdout.write(`  ${s.key.padEnd(16)} ${String(s.count).padStart(9)}\n`);
      });
    });

  program
    .command('report')
    .description('print a KPI report: every metric over [from, to) with its change against the period of the same length before')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'first day not counted, YYYY-MM-DD')
    .option('--format <format>', 'md, csv or json', 'md')
    .action(async (o: { from: string; to: string; format: string }) => {
      if (!['md', 'csv', 'json'].includes(o.format)) {
        process.stderr.write(`--format must be md, csv or json, not "${o.format}"\n`);
        process.exitCode = 2;
        return;
      }
      await withRuntime(config, log, async ({ db, workspace }) => {
        const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'report |{bar}| {value}/{total} metrics' }, cliProgress.Presets.shades_classic) : null;
        bar?.start(1, 0);
        const r = await buildReport(db, workspace.id, o.from, o.to, { onMetric: (done, total) => (bar?.setTotal(total), bar?.update(done)) });
        bar?.stop();
        if (!r.ok) {
          process.stderr.write(`--${r.field ?? 'from'}: ${r.message}\n`);
          process.exitCode = 2;
          return;
        }
        process.stdout.write(o.format === 'json' ? `${JSON.stringify(r.value, null, 2)}\n` : o.format === 'csv' ? reportCsv(r.value) : reportMarkdown(r.value, workspace.name));
      });
    });

  const events = program.command('events').description('the stored events: monthly partitions and their retention');
  events
    .command('retention')
    .description('drop the months of events older than the retention (TENURE_EVENTS_RETENTION_MONTHS or --months), with the facts derived from them')
    .option('--months <n>', 'months kept before the current one (default: TENURE_EVENTS_RETENTION_MONTHS)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1200) throw new InvalidArgumentError('must be a whole number of months from 1 to 1200');
      return Number(v);
    })
    .option('--dry-run', 'print what would be dropped, drop nothing')
    .action(async (o: { months?: number; dryRun?: boolean }) => {
      const months = o.months ?? config.TENURE_EVENTS_RETENTION_MONTHS;
      if (months === undefined) {
        process.stderr.write('no retention: set TENURE_EVENTS_RETENTION_MONTHS or pass --months\n');
        process.exitCode = 2;
        return;
      }
      await withRuntime(config, log, async ({ db }) => {
        const r = await applyEventRetention(db, months, new Date(), { dryRun: o.dryRun === true });
        const verb = o.dryRun ? 'would drop' : 'dropped';
        process.stdout.write(`events before ${r.cutoff.toISOString().slice(0, 10)} (keeping this month and the ${months} before it): ${verb} ${r.dropped.length} month(s)\n`);
        for (const d of r.dropped) process.stdout.write(`  ${d.partition}  ${d.events} events, ${d.orders} order facts, ${d.days} customer-days, ${d.months} customer-months\n`);
        const kept = await listEventPartitions(db);
        process.stdout.write(`months kept: ${kept.length === 0 ? 'none' : `${kept[0]!.name} … ${kept[kept.length - 1]!.name} (${kept.length})`}\n`);
      });
    });

  const segments = program.command('segments').description('segments: export members, import static lists');
  segments
    .command('export')
    .description("write a segment's members as CSV (customer_id, user_id, email, entered_at), streamed")
    .argument('<id>', 'segment id (see GET /api/segments)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--at <time>', 'members as of this past moment (ISO 8601)')
    .action(async (id: string, o: { out?: string; at?: string }) => {
      const at = o.at === undefined ? undefined : new Date(o.at);
      if (at && Number.isNaN(at.getTime())) throw new InvalidArgumentError(`--at: "${o.at}" is not a date (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`);
      await withRuntime(config, log, async ({ db, workspace }) => {
        const seg = await getSegment(db, workspace.id, id);
        if (!seg) throw new Error(`no segment "${id}"`);
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        await pipeline(Readable.from(membersCsv(db, workspace.id, id, { at, scope: seg.scope })), out, { end: o.out !== undefined });
      });
    });
  segments
    .command('import-list')
    .description('make a static segment from a CSV file with a user_id, anonymous_id or id column')
    .argument('<file>', 'CSV file with a header row')
    .option('--name <name>', 'name of the new segment')
    .option('--segment <id>', 'change this existing static segment instead')
    .option('--mode <mode>', 'with --segment: replace | add | remove', 'replace')
    .action(async (file: string, o: { name?: string; segment?: string; mode: string }) => {
      if (!['replace', 'add', 'remove'].includes(o.mode)) throw new InvalidArgumentError(`--mode must be replace, add or remove, not "${o.mode}"`);
      await withRuntime(config, log, async ({ db, workspace }) => {
        const r = await importList(db, workspace.id, file, { name: o.name, segmentId: o.segment, mode: o.mode as ListMode });
        process.stdout.write(`${file}: segment ${r.segmentId}: ${r.ids} ids read, ${r.entered} entered, ${r.exited} left, ${r.unknownCount} match no customer\n`);
        for (const u of r.unknown.slice(0, 50)) process.stdout.write(`  ${file}:${u.line}: no customer with userId or anonymousId "${u.id}"\n`);
        if (r.unknownCount > 50) process.stdout.write(`  … and ${r.unknownCount - 50} more\n`);
      });
    });
}
