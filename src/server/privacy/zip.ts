import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createDeflateRaw } from 'node:zlib';

/** CRC-32 (IEEE 802.3, the ZIP and gzip one): table of the 256 byte remainders. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of `buf`, continuing from `crc` (0 to start). */
export function crc32(buf: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** MS-DOS date and time of `d` (UTC; the format has no zone, two-second steps, 1980 onwards). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface Entry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

/** Bit 3: sizes and CRC follow the data (a data descriptor), so an entry streams; bit 11: the name is UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;
const MAX32 = 0xffffffff;

/**
 * A streaming ZIP writer (PKWARE APPNOTE, no ZIP64): each entry is deflated as it is read and
 * written straight to `out` with a data descriptor after it, so nothing larger than a chunk is
 * held in memory; `finish()` writes the central directory. Entries and the archive are limited to
 * 4 GiB and 65,535 entries (an error past either, never a corrupt file).
 */
export class ZipWriter {
  private offset = 0;
  private readonly entries: Entry[] = [];

  constructor(
    private readonly out: Writable,
    private readonly mtime = new Date(),
  ) {}

  private async write(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  /** Add one file whose content is `chunks` (strings are UTF-8). */
  async add(name: string, chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): Promise<void> {
    if (this.entries.length >= 0xffff) throw new Error('zip: more than 65,535 entries');
    const nameBuf = Buffer.from(name, 'utf8');
    const { time, date } = dosDateTime(this.mtime);
    const entry: Entry = { name: nameBuf, crc: 0, compressed: 0, size: 0, offset: this.offset, time, date };
    if (entry.offset > MAX32) throw new Error('zip: archive larger than 4 GiB');
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(FLAGS, 6);
    head.writeUInt16LE(DEFLATE, 8);
    head.writeUInt16LE(time, 10);
    head.writeUInt16LE(date, 12);
    // CRC and sizes (14..25) stay zero: the data descriptor carries them.
    head.writeUInt16LE(nameBuf.length, 26);
    head.writeUInt16LE(0, 28);
    await this.write(Buffer.concat([head, nameBuf]));

    const deflate = createDeflateRaw({ level: 6 });
    const pump = (async () => {
      for await (const c of deflate as AsyncIterable<Buffer>) {
        entry.compressed += c.length;
        await this.write(c);
      }
    })();
    try {
      for await (const chunk of chunks) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (b.length === 0) continue;
        entry.crc = crc32(b, entry.crc);
        entry.size += b.length;
        if (!deflate.write(b)) await Promise.race([once(deflate, 'drain'), pump]);
      }
      deflate.end();
    } catch (e) {
      deflate.destroy();
      await pump.catch(() => undefined);
      throw e;
    }
    await pump;
    if (entry.size > MAX32 || entry.compressed > MAX32) throw new Error(`zip: ${name} is larger than 4 GiB`);
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(entry.crc, 4);
    desc.writeUInt32LE(entry.compressed, 8);
    desc.writeUInt32LE(entry.size, 12);
    await this.write(desc);
    this.entries.push(entry);
  }

  /** Write the central directory and its end record; the caller ends `out`. */
  async finish(): Promise<{ entries: number; bytes: number }> {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, spec 2.0
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(FLAGS, 8);
      h.writeUInt16LE(DEFLATE, 10);
      h.writeUInt16LE(e.time, 12);
      h.writeUInt16LE(e.date, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      // extra (30), comment (32), disk (34), internal attributes (36): zero
      h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
      h.writeUInt32LE(e.offset, 42);
      await this.write(Buffer.concat([h, e.name]));
    }
    const size = this.offset - start;
    if (start > MAX32) throw new Error('zip: archive larger than 4 GiB');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
    return { entries: this.entries.length, bytes: this.offset };
  }
}
