import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MAX_REQUEST_BYTES } from '../ingest/normalize.js';
import { describePath, MAX_BODY_DEPTH, MAX_EVENT_DEPTH, tooDeep, unstorablePath } from '../ingest/json-shape.js';
import { HttpError } from './errors.js';

/** Parsed body plus its decompressed size (used to skip per-event size checks on small requests). */
export const bodyBytes = new WeakMap<FastifyRequest, number>();

/**
 * JSON bodies of any content type (browser SDKs send text/plain) — except HTML form posts,
 * parsed as forms — optionally gzip- or
 * deflate-encoded as Segment SDKs do. The 500 KB limit applies to the decompressed body,
 * and decompressing stops as soon as it is passed (no zip bombs); the rest of the raw body is
 * read and dropped (up to MAX_DRAIN_BYTES, for DRAIN_MS) before the 400, so a client still
 * sending gets the answer instead of a reset.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (req: FastifyRequest, payload: Readable) => {
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let stream: Readable = payload;
    if (encoding === 'gzip' || encoding === 'x-gzip') stream = payload.pipe(createGunzip());
    else if (encoding === 'deflate') stream = payload.pipe(createInflate());
    else if (encoding !== 'identity') {
      await drain(payload, payload);
      throw new HttpError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported; use gzip or none`);
    }

    let chunks: Buffer[];
    let size: number;
    try {
      ({ chunks, size } = await readUpTo(payload, stream, MAX_REQUEST_BYTES));
    } catch (err) {
      await drain(payload, stream);
      throw new HttpError('invalid_json', `could not read the ${encoding === 'identity' ? '' : `${encoding} `}request body: ${(err as Error).message}`);
    }
    if (size > MAX_REQUEST_BYTES) {
      // Read the rest and throw it away, so the client finishes sending and reads our answer (no reset).
      await drain(payload, stream);
      throw new HttpError('request_too_large', `request body is over ${MAX_REQUEST_BYTES} bytes (500 KB) after decompression; send smaller batches`);
    }
    bodyBytes.set(req, size);
    if (size === 0) return undefined;
    const text = Buffer.concat(chunks, size).toString('utf8');
    // HTML forms (the hosted unsubscribe and preference pages; RFC 8058 one-click unsubscribe).
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      const form: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(text)) {
        const had = form[k];
        form[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
      }
      return form;
    }
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (err) {
      throw new HttpError('invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
    }
    checkShape(req, text, body);
    return body;
  });
}

/** A body over the limit is read and dropped up to this many more bytes (then the connection is closed on the sender). */
export const MAX_DRAIN_BYTES = 16 * 1024 * 1024;
/** ...and for at most this long. */
const DRAIN_MS = 10_000;

/** Read `stream` (the payload, or its decompressor) until it ends or passes `limit` bytes (size is then limit + 1 or more). */
function readUpTo(payload: Readable, stream: Readable, limit: number): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', finish);
      payload.off('error', finish);
      payload.off('close', onClose);
      if (err) reject(err);
      else resolve({ chunks, size });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        finish();
      } else chunks.push(chunk);
    };
    const onEnd = () => finish();
    // A client that goes away mid-body: the decompressor would wait for the rest for ever.
    const onClose = () => {
      if (!payload.readableEnded) finish(new Error('the client closed the connection before the body ended'));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', finish);
    if (stream !== payload) payload.once('error', finish);
    payload.once('close', onClose);
  });
}

/** Throw away the rest of the body (up to MAX_DRAIN_BYTES, DRAIN_MS), no longer decompressing it. */
async function drain(payload: Readable, stream: Readable): Promise<void> {
  if (stream !== payload) {
    payload.unpipe(stream as Readable & NodeJS.WritableStream);
    stream.destroy();
  }
  if (payload.readableEnded || payload.destroyed) return;
  await new Promise<void>((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      payload.off('data', onData);
      payload.off('end', done);
      payload.off('close', done);
      payload.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_DRAIN_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MS);
    payload.on('data', onData);
    payload.once('end', done);
    payload.once('close', done);
    payload.once('error', done);
    payload.resume();
  });
}

/** The Segment endpoints, whose bodies are events (or a batch of them). */
const SEGMENT_PATH = /^\/(?:v1\/(?:identify|track|page|screen|group|alias|batch|import|[tpisgab])|beacon\/v1\/batch)(?:[?/]|$)/;
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Refuse, before anything else walks the parsed body: nesting deeper than the limit
 * (MAX_EVENT_DEPTH levels from each event on the Segment endpoints, MAX_BODY_DEPTH from
 * the body elsewhere), then escapes PostgreSQL cannot store (NUL, half of a surrogate
 * pair). Both walks are iterative. The error names the field and, in a batch, the index.
 */
function checkShape(req: FastifyRequest, text: string, body: unknown): void {
  const ingestion = SEGMENT_PATH.test(req.url);
  const code = ingestion ? 'invalid_event' : 'validation_failed';
  const limit = ingestion ? MAX_EVENT_DEPTH : MAX_BODY_DEPTH;
  const deep = tooDeep(body, limit, { batchItems: ingestion });
  if (deep) {
    const field = describePath(deep.path);
    const from = ingestion ? 'counted from the event object' : 'counted from the request body';
    throw new HttpError(code, `\`${field}\` is nested more than ${limit} levels deep (${from}); at most ${limit} levels are accepted`, where(deep.path, field));
  }
  // Escapes PostgreSQL cannot store: NUL, and half of a UTF-16 surrogate pair.
  if (text.includes('\\u') && UNSTORABLE_ESCAPE.test(text)) {
    const found = unstorablePath(body);
    if (found !== null) {
      const field = found.path.join('.');
      throw new HttpError('invalid_event', `\`${field}\` contains ${found.why}, which PostgreSQL cannot store; remove it`, where(found.path, field));
    }
  }
}

function where(path: Array<string | number>, field: string): { field: string; index?: number } {
  return path[0] === 'batch' && typeof path[1] === 'number' ? { field, index: path[1] } : { field };
}
