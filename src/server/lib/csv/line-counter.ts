/**
 * Physical line numbers of CSV records, counted from the raw text csv-parse hands back
 * with each record (`raw: true`). csv-parse's own `info.lines` is the line a record ends
 * on and counts a CRLF inside a quoted value as two lines, so it is not used.
 *
 * The raw texts of successive records cover the whole file (including skipped empty
 * lines), except that the LF of a CRLF record delimiter is left out; counting CRLF, CR
 * and LF each as one line break therefore gives the same count either way.
 */
export class LineCounter {
  private breaks = 0;

  /** The 1-based line on which the record with this raw text starts; call once per record, in order. */
  next(raw: string): number {
    let i = 0;
    let leading = 0;
    while (i < raw.length && (raw[i] === '\n' || raw[i] === '\r')) {
      if (raw[i] === '\r' && raw[i + 1] === '\n') i++;
      leading++;
      i++;
    }
    const start = this.breaks + leading + 1;
    this.breaks += countBreaks(raw);
    return start;
  }

  /** The line after the last record seen: where a record that failed to parse began (or the empty lines before it). */
  get following(): number {
    return this.breaks + 1;
  }
}

/** Line breaks in `s`: CRLF, CR and LF each count once. */
export function countBreaks(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  for (let i = s.indexOf('\r'); i !== -1; i = s.indexOf('\r', i + 1)) if (s[i + 1] !== '\n') n++;
  return n;
}
