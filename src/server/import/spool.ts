import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { fail, ok, type Err, type Failure, type Result } from '../lib/result.js';

/** Why an upload was not kept: over the limit, or it could not be read (a broken gzip stream, the client went away). */
export type UploadFailure = Failure<'upload_too_large' | 'validation_failed'>;

/** An upload over the limit of `limit` bytes: nothing was kept. */
export function uploadTooLarge(limit: number): Err<Failure<'upload_too_large'>> {
  return fail('upload_too_large', `the file is over the import limit of ${limit} bytes (${(limit / 2 ** 20).toFixed(0)} MB; TENURE_IMPORT_MAX_MB raises it)`);
}

const unreadable = (err: unknown) => fail('validation_failed', `the upload could not be read: ${(err as Error).message}`);

/**
 * Write an upload to a new file under `dir`, chunk by chunk as it arrives (memory stays at
 * a few chunks whatever the size), gunzipping it first when `gzip`. Stops and deletes the
 * file as soon as more than `maxBytes` (after decompression) have come.
 */
export async function spoolUpload(body: Readable, dir: string, opts: { maxBytes: number; gzip?: boolean }): Promise<Result<{ path: string; size: number }, UploadFailure>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `import-${Date.now()}-${randomBytes(6).toString('hex')}.csv`);
  let size = 0;
  let over = false;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      over = size > opts.maxBytes;
      // An error is the only way to stop a pipeline; `over` tells it apart from a broken upload.
      if (over) done(new Error('over the import limit'));
      else done(null, chunk);
    },
  });
  try {
    const stages: NodeJS.ReadWriteStream[] = opts.gzip ? [createGunzip(), count] : [count];
    await pipeline(body, ...(stages as [Transform]), createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    await rm(path, { force: true });
    return over ? uploadTooLarge(opts.maxBytes) : unreadable(err);
  }
  return ok({ path, size });
}

/**
 * Read at most `maxBytes` of an upload (a preview needs the first rows only), cut after the
 * last line break when the body went on, so no record is cut in half.
 */
export async function readHead(body: Readable, maxBytes: number): Promise<Result<string, Failure<'validation_failed'>>> {
  const chunks: Buffer[] = [];
  let size = 0;
  const more = await new Promise<boolean | Error>((resolve) => {
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
    const onError = (err: Error) => (done(), resolve(err));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
  if (more instanceof Error) return unreadable(more);
  let buf = Buffer.concat(chunks, size);
  if (more) {
    const cut = Math.max(buf.lastIndexOf(0x0a), buf.lastIndexOf(0x0d));
    buf = buf.subarray(0, cut + 1);
  }
  return ok(buf.toString('utf8'));
}
