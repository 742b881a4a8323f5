#!/usr/bin/env node
/** The `tenure` CLI: reads the configuration once and hands it to the commands, one file each under cli/ (and predict/). */
import { setFlagsFromString } from 'node:v8';
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { addPredictClvCommand } from './predict/clv/clv-command.js';
import { addPredictChurnCommand } from './predict/churn/churn-command.js';
import { addDataCommands } from './cli/data-commands.js';
import { addServeCommands } from './cli/serve-command.js';
import { addWorkerCommand } from './cli/worker-command.js';
import { addImportCommand } from './cli/import-command.js';
import { addDemoCommand } from './cli/demo-command.js';
import { addKeysCommand, addMigrateCommand } from './cli/admin-commands.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // A bounded heap: see TENURE_HEAP_GROWTH_PERCENT (V8 reads the flag at each full collection).
  if (config.TENURE_HEAP_GROWTH_PERCENT > 0) setFlagsFromString(`--heap-growing-percent=${config.TENURE_HEAP_GROWTH_PERCENT}`);
  // The server logs to standard output; commands that print results keep it for those.
  const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const log = createLogger(config.LOG_LEVEL, { stderr: command !== 'serve' && command !== 'start', format: config.LOG_FORMAT });
  const program = new Command('tenure').description('Tenure: customer lifecycle management').showHelpAfterError();

  addServeCommands(program, config, log);
  addWorkerCommand(program, config, log);
  addMigrateCommand(program, config, log);
  addImportCommand(program, config, log);
  addDemoCommand(program, config, log);
  addDataCommands(program, config, log);

  const predict = program.command('predict').description('predictions from files, no database needed: CLV from purchase histories, churn risk from labelled customer tables');
  addPredictClvCommand(predict);
  addPredictChurnCommand(predict);

  addKeysCommand(program, config, log);

  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  const verbose = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '');
  process.stderr.write(`tenure: ${err instanceof Error ? (verbose ? (err.stack ?? err.message) : err.message) : String(err)}\n`);
  process.exit(1);
});
