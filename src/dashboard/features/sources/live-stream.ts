import type { LiveEvent } from '../../../contracts/sources.js';
import { apiPath } from '../../api/client.js';
import { authHeaders, signOutOnUnauthorized } from '../../api/session.js';

/** The stream's state, for the page to say in words. */
export type StreamState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'retrying'; reason: string; inMs: number };

/** Most characters of an unfinished message kept while waiting for its end (a server-sent message is a few KB). */
const MAX_PENDING = 256 * 1024;

/**
 * Follow GET /api/sources/live (server-sent events) with the admin key in the Authorization
 * header (EventSource cannot send one, so this reads the stream with fetch). Starts after
 * `after`; on a drop it reconnects with Last-Event-ID, so nothing still in the server's
 * memory is missed. Each network chunk's events are handed over together. Returns `stop`.
 */
export function followLive(after: number, onEvents: (events: LiveEvent[]) => void, onState: (s: StreamState) => void): () => void {
  const abort = new AbortController();
  let lastId = after;
  let stopped = false;

  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function once(): Promise<{ retryMs: number; reason: string }> {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'last-event-id': String(lastId), ...authHeaders('GET') };
    onState({ kind: 'connecting' });
    const res = await fetch(apiPath('/api/sources/live'), { headers, signal: abort.signal });
    if (!res.ok || !res.body) {
      let message = `the server answered ${res.status}`;
      try {
        message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        /* not JSON */
      }
      if (res.status === 401) signOutOnUnauthorized();
      return { retryMs: res.status === 429 ? 10_000 : 5_000, reason: message };
    }
    onState({ kind: 'live' });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      const batch: LiveEvent[] = [];
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        let id: string | null = null;
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(5).replace(/^ /, '');
        }
        if (!data) continue;
        try {
          batch.push(JSON.parse(data) as LiveEvent);
          if (id !== null && /^\d+$/.test(id)) lastId = Number(id);
        } catch {
          /* a message we cannot read: skip it */
        }
      }
      if (text.length > MAX_PENDING) text = '';
      if (batch.length > 0) onEvents(batch);
    }
    return { retryMs: 1_000, reason: 'the stream ended' };
  }

  void (async () => {
    while (!stopped) {
      let next: { retryMs: number; reason: string };
      try {
        next = await once();
      } catch (err) {
        if (stopped || (err as Error).name === 'AbortError') return;
        next = { retryMs: 3_000, reason: 'Tenure’s server did not answer' };
      }
      if (stopped) return;
      onState({ kind: 'retrying', reason: next.reason, inMs: next.retryMs });
      await wait(next.retryMs);
    }
  })();

  return () => {
    stopped = true;
    abort.abort();
  };
}
