import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MAX_REQUEST_BYTES } from '../ingest/normalize.js';
import { HttpError } from './errors.js';

/** Parsed body plus its decompressed size (used to skip per-event size checks on small requests). */
export const bodyBytes = new WeakMap<FastifyRequest, number>();

/**
 * JSON bodies of any content type (browser SDKs send text/plain), optionally gzip- or
 * deflate-encoded as Segment SDKs do. The 500 KB limit applies to the decompressed body,
 * and reading stops as soon as it is passed (no zip bombs).
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (req: FastifyRequest, payload: Readable) => {
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let stream: Readable = payload;
    if (encoding === 'gzip' || encoding === 'x-gzip') stream = payload.pipe(createGunzip());
    else if (encoding === 'deflate') stream = payload.pipe(createInflate());
    else if (encoding !== 'identity') throw new HttpError(400, 'unsupported_media_type', `Content-Encoding "${encoding}" is not supported; use gzip or none`);

    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BYTES) {
          payload.resume();
          throw new HttpError(400, 'request_too_large', `request body is over ${MAX_REQUEST_BYTES} bytes (500 KB) after decompression; send smaller batches`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'invalid_json', `could not read the ${encoding === 'identity' ? '' : `${encoding} `}request body: ${(err as Error).message}`);
    }
    bodyBytes.set(req, size);
    if (size === 0) return undefined;
    const text = Buffer.concat(chunks, size).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
    }
  });
}
