import { basename } from 'node:path';
import cliProgress from 'cli-progress';

/** Where an import is: bytes of the file read so far, rows seen. */
export interface ImportProgress {
  update(bytes: number, rows: number): void;
  stop(): void;
}

const NONE: ImportProgress = { update: () => {}, stop: () => {} };

/** A progress bar on stderr driven by bytes read against the file's size; a no-op when disabled. */
export function importProgress(file: string, size: number, enabled: boolean): ImportProgress {
  if (!enabled) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      format: `${basename(file)} |{bar}| {percentage}% | {value_mb}/{total_mb} MB | {rows} rows | {eta_formatted} left`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  bar.start(size, 0, { rows: 0, value_mb: mb(0), total_mb: mb(size) });
  return {
    update(bytes, rows) {
      bar.update(Math.min(bytes, size), { rows, value_mb: mb(bytes), total_mb: mb(size) });
    },
    stop() {
      bar.stop();
    },
  };
}
