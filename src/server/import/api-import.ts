/**
 * `tenure import` while a server is running: the file is uploaded to the server's import
 * API (POST /api/imports) and the server-side job is followed (GET /api/imports/{id}) with
 * the same progress bar as a local import; then the summary and the rejected lines are
 * printed as a local import prints them. Ctrl-C asks the server to cancel (what was stored
 * stays) and waits for it to stop.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ImportKind, ImportRejection, ImportView } from '../../contracts/imports.js';
import { openFile } from '../lib/csv/open-file.js';
import { importProgress } from './progress.js';

/** The live process holding a PGlite data directory (its `tenure.pid`), or null when none does. */
export function dataDirHolder(dataDir: string): number | null {
  if (dataDir.startsWith('memory://')) return null;
  let pid: number;
  try {
    pid = Number(readFileSync(resolve(dataDir, 'tenure.pid'), 'utf8').trim());
  } catch {
    return null;
  }
  if (!pid || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Where the server is and how to sign in. */
export interface ApiTarget {
  url: string;
  adminKey: string;
}

/** What the CLI prints and its exit code. */
export interface ApiImportResult {
  exitCode: number;
}

const POLL_MS = 500;

/** Upload `file` to the server and follow its import to the end; prints as `tenure import` does. */
export async function importThroughApi(
  target: ApiTarget,
  kind: ImportKind,
  file: string,
  opts: { progress: boolean; out?: NodeJS.WritableStream; err?: NodeJS.WritableStream; onUploaded?: (view: ImportView) => void },
): Promise<ApiImportResult> {
  const out = opts.out ?? process.stdout;
  const errOut = opts.err ?? process.stderr;
  const handle = await openFile(file);
  const size = (await handle.stat()).size;
  await handle.close();
  const base = target.url.replace(/\/$/, '');
  const name = file.split('/').pop() || file;

  const up = importProgress(`${name} (upload)`, size, opts.progress);
  let view: ImportView;
  try {
    const res = await send(`${base}/api/imports?kind=${kind}&name=${encodeURIComponent(name)}`, target.adminKey, file, size, (sent) => up.update(sent, 0));
    if (res.status !== 202) {
      errOut.write(`${file}: the server refused the upload (${res.status}): ${errorText(res.body)}\n`);
      return { exitCode: 1 };
    }
    view = res.body as ImportView;
    opts.onUploaded?.(view);
  } finally {
    up.stop();
  }

  const bar = importProgress(file, size, opts.progress);
  let cancelling = false;
  const onSigint = () => {
    if (cancelling) return;
    cancelling = true;
    errOut.write(`\n${file}: cancelling: the server stops after the batch in hand (what is stored stays)\n`);
    void call('POST', `${base}/api/imports/${view.id}/cancel`, target.adminKey).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    while (view.status === 'queued' || view.status === 'running') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const r = await call('GET', `${base}/api/imports/${view.id}`, target.adminKey);
      if (r.status !== 200) throw new Error(`${file}: could not follow import ${view.id} on the server (${r.status}): ${errorText(r.body)}`);
      view = r.body as ImportView;
      bar.update(view.bytesRead, view.rows);
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.stop();
  }

  const rejected = view.rejected > 0 ? ((await call('GET', `${base}/api/imports/${view.id}/rejections?limit=50`, target.adminKey)).body as { rejections: ImportRejection[] }).rejections : [];
  if (kind === 'spend') {
    if (view.status === 'done') out.write(`${file}: imported ${view.accepted.toLocaleString('en-US')} spend rows (through the server, import ${view.id})\n`);
    else {
      errOut.write(`${file}: ${view.error ?? view.status}\n`);
      for (const r of rejected) errOut.write(`  ${r.message}\n`);
      if (view.rejected > rejected.length) errOut.write(`  … and ${view.rejected - rejected.length} more (GET /api/imports/${view.id}/rejections.csv lists them)\n`);
    }
    return { exitCode: view.status === 'done' ? 0 : 1 };
  }
  if (view.status === 'failed') {
    errOut.write(`${view.error ?? `${file}: the import failed`}\n`);
    if (view.accepted > 0) errOut.write(`${file}: ${view.accepted} rows were stored before it stopped (importing the file again skips them)\n`);
    return { exitCode: 1 };
  }
  const how = view.status === 'cancelled' ? ` (cancelled after ${view.rows} rows: later rows were not read)` : '';
  out.write(`${file}: ${view.accepted} rows imported, ${view.duplicates} already present, ${view.rejected} rejected${how}\n`);
  for (const r of rejected) out.write(`  ${file}:${r.line}${r.field ? ` [${r.field}]` : ''}: ${r.message}\n`);
  if (view.rejected > rejected.length) out.write(`  … and ${view.rejected - rejected.length} more (GET /api/imports/${view.id}/rejections.csv lists them)\n`);
  return { exitCode: view.rejected > 0 || view.status === 'cancelled' ? 1 : 0 };
}

function errorText(body: unknown): string {
  const e = (body as { error?: { message?: string } } | null)?.error;
  return e?.message ?? (typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body));
}

function requester(url: string) {
  return url.startsWith('https:') ? httpsRequest : httpRequest;
}

async function readJson(res: IncomingMessage): Promise<{ status: number; body: unknown }> {
  let text = '';
  for await (const c of res) text += String(c);
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode ?? 0, body };
}

/** A small JSON request. */
function call(method: string, url: string, key: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolveCall, reject) => {
    const req = requester(url)(url, { method, headers: { authorization: `Bearer ${key}` } }, (res) => readJson(res).then(resolveCall, reject));
    req.on('error', (e) => reject(new Error(`cannot reach the server at ${new URL(url).origin}: ${e.message}`)));
    req.end();
  });
}

/** Stream the file as the request body, reporting bytes sent. */
function send(url: string, key: string, file: string, size: number, onSent: (bytes: number) => void): Promise<{ status: number; body: unknown }> {
  return new Promise((resolveSend, reject) => {
    let answered = false;
    const req = requester(url)(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(size) } }, (res) => {
      answered = true;
      readJson(res).then(resolveSend, reject);
    });
    req.on('error', (e) => {
      if (!answered) reject(new Error(`cannot upload to the server at ${new URL(url).origin}: ${e.message}`));
    });
    let sent = 0;
    const source = createReadStream(file, { highWaterMark: 256 * 1024 });
    source.on('data', (c) => onSent((sent += c.length)));
    // A refusal (413, 401) may come before the body is sent: the answer wins over a broken pipe.
    pipeline(source, req).catch(() => undefined);
  });
}
