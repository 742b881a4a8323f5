/** `tenure import customers|events|spend FILE.csv`: into the database, or through a running server's import API. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime, printGeneratedKeys } from '../runtime.js';
import { importCsv, type ImportKind } from '../import/csv-import.js';
import { importSpend, spendSummaryLine } from '../import/spend-import.js';
import { dataDirHolder, importThroughApi } from '../import/api-import.js';

export function addImportCommand(program: Command, config: Config, log: Logger): void {
  program
    .command('import')
    .description(
      'import customers, events or marketing spend from a CSV file (columns: src/server/import/README.md); while a server runs on the same PGlite data directory, or with --server, the file goes through its import API',
    )
    .argument('<kind>', 'customers | events | spend', (v: string) => {
      if (v !== 'customers' && v !== 'events' && v !== 'spend') throw new InvalidArgumentError('must be "customers", "events" or "spend"');
      return v as ImportKind | 'spend';
    })
    .argument('<file>', 'path to a CSV file with a header row')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--server <url>', 'upload to this running server (POST /api/imports) instead of writing to the database')
    .option('--admin-key <key>', 'admin key for --server or a running server (default: $TENURE_ADMIN_KEY)')
    .action(async (kind: ImportKind | 'spend', file: string, o: { progress: boolean; server?: string; adminKey?: string }) => {
      const progress = o.progress && process.stderr.isTTY === true;
      // PGlite is one process's database: while a server holds the data directory, go through its API.
      const holder = o.server || config.DATABASE_URL ? null : dataDirHolder(config.TENURE_DATA_DIR);
      if (o.server || holder !== null) {
        const url = o.server ?? `http://${/^(0\.0\.0\.0|::)$/.test(config.HOST) ? '127.0.0.1' : config.HOST}:${config.PORT}`;
        const adminKey = o.adminKey ?? config.TENURE_ADMIN_KEY;
        if (!adminKey) {
          process.stderr.write(
            holder !== null
              ? `${file}: a Tenure server (pid ${holder}) is using the data directory ${config.TENURE_DATA_DIR}, so the import has to go through its API at ${url}: pass --admin-key (or set TENURE_ADMIN_KEY), or stop the server\n`
              : `${file}: --server needs the admin key: pass --admin-key or set TENURE_ADMIN_KEY\n`,
          );
          process.exitCode = 2;
          return;
        }
        if (holder !== null) process.stderr.write(`a Tenure server (pid ${holder}) is using ${config.TENURE_DATA_DIR}: importing through its API at ${url}\n`);
        const r = await importThroughApi({ url, adminKey }, kind, file, { progress });
        process.exitCode = r.exitCode;
        return;
      }
      const { db, workspace, generated } = await openRuntime(config, log);
      printGeneratedKeys(generated);
      try {
        if (kind === 'spend') {
          const r = await importSpend(db, workspace.id, file, { progress });
          if (r.ok) process.stdout.write(`${spendSummaryLine(r.value)}\n`);
          else {
            process.stderr.write(`${file}: nothing imported: ${r.errorTotal} ${r.errorTotal === 1 ? 'problem' : 'problems'} (fix them and import the file again)\n`);
            for (const e of r.errors.slice(0, 50)) process.stderr.write(`  ${e.message}\n`);
            if (r.errorTotal > 50) process.stderr.write(`  … and ${r.errorTotal - 50} more\n`);
          }
          process.exitCode = r.ok ? 0 : 1;
          return;
        }
        const report = await importCsv(db, workspace.id, kind, file, { progress });
        process.stdout.write(`${file}: ${report.accepted} rows imported, ${report.duplicates} already present, ${report.rejectedTotal} rejected\n`);
        for (const r of report.rejected.slice(0, 50)) process.stdout.write(`  ${file}:${r.line}${r.field ? ` [${r.field}]` : ''}: ${r.message}\n`);
        if (report.rejectedTotal > 50) process.stdout.write(`  … and ${report.rejectedTotal - 50} more\n`);
        process.exitCode = report.rejectedTotal > 0 ? 1 : 0;
      } finally {
        await db.close();
      }
    });
}
