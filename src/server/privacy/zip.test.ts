import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { crc32, ZipWriter } from './zip.js';
import { readZip } from '../../test-support/unzip.js';

/** A Writable that keeps what it is given. */
function sink(): Writable & { chunks: Buffer[]; bytes: () => number } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    highWaterMark: 1024,
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      setImmediate(cb);
    },
  });
  return Object.assign(w, { chunks, bytes: () => chunks.reduce((n, c) => n + c.length, 0) });
}

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

describe('zip writer', () => {
  it('CRC-32 matches the published check values', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
    assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
    // continued over two pieces = in one go
    assert.equal(crc32(Buffer.from('56789'), crc32(Buffer.from('1234'))), 0xcbf43926);
  });

  it('writes an archive its own reader and unzip both read back, names in UTF-8, empty files included', async () => {
    const out = sink();
    const z = new ZipWriter(out, new Date('2026-03-04T05:06:08Z'));
    await z.add('person.json', ['{"name":', '"Zoë"}']);
    await z.add('empty.csv', []);
    await z.add('dir/ünïcode.txt', [Buffer.from('a,b\r\n1,2\r\n')]);
    const done = await z.finish();
    await new Promise<void>((r) => out.end(r));
    assert.deepEqual(done, { entries: 3, bytes: out.bytes() });
    const buf = Buffer.concat(out.chunks);
    const files = readZip(buf);
    assert.deepEqual([...files.keys()], ['person.json', 'empty.csv', 'dir/ünïcode.txt']);
    assert.equal(files.get('person.json')!.toString(), '{"name":"Zoë"}');
    assert.equal(files.get('empty.csv')!.length, 0);
    assert.equal(files.get('dir/ünïcode.txt')!.toString(), 'a,b\r\n1,2\r\n');
    if (hasUnzip) {
      const dir = mkdtempSync(join(tmpdir(), 'zip-'));
      try {
        writeFileSync(join(dir, 'a.zip'), buf);
        const t = spawnSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
        assert.equal(t.status, 0, t.stdout + t.stderr);
        assert.match(t.stdout, /No errors detected/);
        const p = spawnSync('unzip', ['-p', join(dir, 'a.zip'), 'person.json'], { encoding: 'utf8' });
        assert.equal(p.stdout, '{"name":"Zoë"}');
        const l = spawnSync('unzip', ['-l', join(dir, 'a.zip')], { encoding: 'utf8' });
        assert.match(l.stdout, /2026-03-04 05:06/); // the DOS time, two-second steps
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('streams: bytes reach the output while the source is still being read, and a large entry round-trips', async () => {
    const out = sink();
    const z = new ZipWriter(out);
    let writtenMidway = -1;
    const rows = 200_000;
    async function* source() {
      for (let i = 0; i < rows; i++) {
        if (i === rows / 2) writtenMidway = out.bytes();
        // pseudo-random digits so deflate cannot shrink it to nothing
        yield `${i},${(i * 2654435761) % 1_000_003},row ${i}\n`;
      }
    }
    await z.add('big.csv', source());
    await z.finish();
    await new Promise<void>((r) => out.end(r));
    assert.ok(writtenMidway > 100_000, `only ${writtenMidway} bytes were written when half the rows were read`);
    const text = readZip(Buffer.concat(out.chunks)).get('big.csv')!.toString();
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, rows);
    assert.equal(lines[123_456], `123456,${(123456 * 2654435761) % 1_000_003},row 123456`);
  });

  it('an error from the source stops the entry and reaches the caller', async () => {
    const z = new ZipWriter(sink());
    async function* broken() {
      yield 'a';
      throw new Error('database went away');
    }
    await assert.rejects(z.add('x.csv', broken()), /database went away/);
  });
});
