import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url));

/** What a run of the CLI printed, and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A scratch folder for testing `tenure` commands that need no database: write input files
 * into it, run the real binary (through tsx) with its data dir inside, remove it after.
 */
export function cliSandbox(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    /** Write `text` to `name` in the folder; returns its path. */
    file(name: string, text: string): string {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    /** Run `tenure ...args`; a non-zero exit is a result, not a throw. */
    run(...args: string[]): Promise<CliResult> {
      return promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, ...args], {
        env: { ...process.env, TENURE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' },
        maxBuffer: 64 * 1024 * 1024,
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: CliResult) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
