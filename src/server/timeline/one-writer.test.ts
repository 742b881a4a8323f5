/**
 * "Every change is an event" has one writer: the events Tenure writes go through
 * timeline/timeline-writer.ts, and customers' own events come in through ingest/. No other
 * source file of the server inserts or copies into `events` (tests may, to set up data).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Ways of writing rows into `events`: an INSERT, a COPY, a copyFrom call, or the table's column list kept for one. */
const WRITES = [/INSERT\s+INTO\s+events\b/i, /COPY\s+events\b/i, /copyFrom\(\s*[`'"]\s*events\b/, /\bevents\s*\(\s*workspace_id\b/];

const ALLOWED = (file: string) => file === 'timeline/timeline-writer.ts' || file.startsWith('ingest/');

/** The server's source files (not tests) that write into `events`, relative to src/server. */
function eventWriters(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) {
        const text = readFileSync(p, 'utf8');
        if (WRITES.some((re) => re.test(text))) found.push(relative(SERVER, p));
      }
    }
  };
  walk(SERVER);
  return found.sort();
}

describe('event writers', () => {
  it('only the timeline writer and ingestion write into events', () => {
    const writers = eventWriters();
    // The check sees the two writers it allows (otherwise it would pass whatever the code did).
    assert.ok(writers.includes('timeline/timeline-writer.ts'), writers.join(', '));
    assert.ok(writers.includes('ingest/events.repo.ts'), writers.join(', '));
    assert.deepEqual(
      writers.filter((f) => !ALLOWED(f)),
      [],
      'write Tenure’s own events with timeline/timeline-writer.ts (writeTimeline, copyTimeline or timelineInsertSql)',
    );
  });
});
