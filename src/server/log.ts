import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logger (pino). One per process; pass it down, do not import a singleton. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'tenure' } });
}
