import { pino, type DestinationStream, type Logger } from 'pino';
import { formatLogLine } from './log-format.js';

export type { Logger };

/** How log lines are written: `text` for a person at a terminal, `json` for a log collector. */
export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  /** Log to standard error (CLI commands whose standard output is data, such as a CSV export). */
  stderr?: boolean;
  /** `auto` (default): text when the stream is a terminal, JSON otherwise. */
  format?: LogFormat | 'auto';
}

/** The format `auto` picks for a stream: text on a terminal, JSON when piped or redirected. */
export function resolveLogFormat(format: LogFormat | 'auto' | undefined, isTTY: boolean): LogFormat {
  return format === 'text' || format === 'json' ? format : isTTY ? 'text' : 'json';
}

/**
 * The process logger (pino). One per process; pass it down, do not import a singleton.
 * JSON lines by default when not on a terminal; readable text lines (time, level,
 * message, then the fields) on a terminal or with `format: 'text'`.
 */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const fd = opts.stderr ? 2 : 1;
  const stream = opts.stderr ? process.stderr : process.stdout;
  const format = resolveLogFormat(opts.format, stream.isTTY === true);
  const base = { level, base: { app: 'tenure' } };
  if (format === 'json') return pino(base, pino.destination(fd));
  const color = stream.isTTY === true && !process.env.NO_COLOR;
  const out = pino.destination({ fd, sync: true });
  const dest: DestinationStream = { write: (line: string) => void out.write(formatLogLine(line, { color })) };
  return pino(base, dest);
}
