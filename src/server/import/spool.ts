import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** The upload is over the limit: nothing was kept. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the file is over the import limit of ${limit} bytes (${(limit / 2 ** 20).toFixed(0)} MB; TENURE_IMPORT_MAX_MB raises it)`);
  }
}

/** The upload could not be read (a broken gzip stream, the client went away). */
export class UploadBroken extends Error {}

/**
 * Write an upload to a new file under `dir`, chunk by chunk as it arrives (memory stays at
 * a few chunks whatever the size), gunzipping it first when `gzip`. Stops and deletes the
 * file as soon as more than `maxBytes` (after decompression) have come.
 */
export async function spoolUpload(body: Readable, dir: string, opts: { maxBytes: number; gzip?: boolean }): Promise<{ path: string; size: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `import-${Date.now()}-${randomBytes(6).toString('hex')}.csv`);
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > opts.maxBytes) done(new UploadTooLarge(opts.maxBytes));
      else done(null, chunk);
    },
  });
  try {
    const stages: NodeJS.ReadWriteStream[] = opts.gzip ? [createGunzip(), count] : [count];
    await pipeline(body, ...(stages as [Transform]), createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    await rm(path, { force: true });
    if (err instanceof UploadTooLarge) throw err;
    throw new UploadBroken(`the upload could not be read: ${(err as Error).message}`);
  }
  return { path, size };
}

/**
 * Read at most `maxBytes` of an upload (a preview needs the first rows only), cut after the
 * last line break when the body went on, so no record is cut in half.
 */
export async function readHead(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const more = await new Promise<boolean>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const room = maxBytes - size;
      if (chunk.length <= room) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, room));
      size += room;
      // Stop keeping it, but read the rest and drop it: the client is still sending, and
      // destroying the request would take the answer's socket with it.
      done();
      body.on('error', () => undefined);
      body.resume();
      resolve(true);
    };
    const done = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onEnd = () => (done(), resolve(false));
    const onError = (err: Error) => (done(), reject(new UploadBroken(`the upload could not be read: ${err.message}`)));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
  let buf = Buffer.concat(chunks, size);
  if (more) {
    const cut = Math.max(buf.lastIndexOf(0x0a), buf.lastIndexOf(0x0d));
    buf = buf.subarray(0, cut + 1);
  }
  return buf.toString('utf8');
}
