/** pino's numeric levels by name, as shown on the console. */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[90m' },
  30: { name: 'INFO ', color: '\x1b[32m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[41m\x1b[37m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, shown in the line's prefix or not at all. */
const HIDDEN = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname']);
/** A value longer than this is cut (a log line is for reading, the JSON format keeps everything). */
const MAX_VALUE = 300;

/**
 * One pino JSON line as a line for a person: `12:04:31 INFO  message key=value …`, an
 * error's stack indented below. A line that is not pino JSON is passed through as it is.
 */
export function formatLogLine(line: string, opts: { color?: boolean } = {}): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return line.endsWith('\n') ? line : `${line}\n`;
  const c = opts.color === true;
  const level = LEVELS[Number(o.level)] ?? {
    name: String(o.level ?? '?')
      .toUpperCase()
      .padEnd(5),
    color: '',
  };
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 19) : '--:--:--';
  const fields: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(o)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    if ((k === 'err' || k === 'error') && v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      const e = v as { message: string; stack?: unknown };
      fields.push(`${k}=${quote(e.message)}`);
      if (typeof e.stack === 'string' && Number(o.level) >= 50)
        stack = e.stack
          .split('\n')
          .slice(1)
          .map((s) => `    ${s.trim()}`)
          .join('\n');
      continue;
    }
    fields.push(`${k}=${show(v)}`);
  }
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const head = c ? `${DIM}${time}${RESET} ${level.color}${level.name}${RESET}` : `${time} ${level.name}`;
  const tail = fields.length === 0 ? '' : c ? ` ${DIM}${fields.join(' ')}${RESET}` : ` ${fields.join(' ')}`;
  return `${head} ${msg}${tail}\n${stack ? `${stack}\n` : ''}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return cut(JSON.stringify(v) ?? String(v));
}

/** Strings with spaces, quotes or `=` are quoted, so fields stay apart. */
function quote(s: string): string {
  const t = cut(s.replace(/\n/g, '\\n'));
  return t === '' || /[\s"=]/.test(t) ? JSON.stringify(t) : t;
}

function cut(s: string): string {
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
}
