import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logger (pino). One per process; pass it down, do not import a singleton.
 * `stderr`: log to standard error (CLI commands whose standard output is data, such as a CSV export).
 */
export function createLogger(level: string, opts: { stderr?: boolean } = {}): Logger {
  return opts.stderr ? pino({ level, base: { app: 'tenure' } }, pino.destination(2)) : pino({ level, base: { app: 'tenure' } });
}
