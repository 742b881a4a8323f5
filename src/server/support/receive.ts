/**
 * One helpdesk webhook delivery, from the raw body to the timeline: the connection, its
 * signature (signatures.ts), the payload read by its kind's receiver, the delivery id claimed
 * (a retry changes nothing), and each action applied to its ticket — one transaction.
 * Refusals are recorded as rejected deliveries with their reason, for the dashboard.
 */
import { createHash } from 'node:crypto';
import type { HelpdeskReceipt } from '../../contracts/support.js';
import type { Db } from '../db/client.js';
import type { SecretBox } from '../channels/secret-box.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import type { Parsed } from './actions.js';
import { chatwootActions } from './chatwoot.js';
import { findConnection, openSecret, type ConnectionRow } from './connections.repo.js';
import { claimDelivery, finishDelivery, recordRejected } from './deliveries.repo.js';
import { genericActions } from './generic.js';
import { deliveryIdHeader, verifySignature, type Headers } from './signatures.js';
import { applyToTicket } from './tickets.repo.js';
import { zendeskActions } from './zendesk.js';

/** The largest webhook body taken. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export type ReceiveFailure = Failure<'not_found' | 'webhook_signature_invalid' | 'webhook_timestamp_stale' | 'invalid_json' | 'validation_failed' | 'secret_unavailable' | 'secret_unreadable'>;

export interface Received extends HelpdeskReceipt {
  workspaceId: number;
  /** Customers whose timelines grew. */
  customerIds: number[];
}

export interface ReceiveDeps {
  db: Db;
  box: SecretBox | null;
  boxMissing: string;
}

function parse(c: ConnectionRow, body: unknown, at: Date): Parsed {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, code: 'invalid_payload', message: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (c.kind === 'chatwoot') return chatwootActions(b, at);
  if (c.kind === 'zendesk') return zendeskActions(b, at);
  return genericActions(b, at);
}

/** Receive one delivery for connection `connectionId` at `now`. */
export async function receiveDelivery(deps: ReceiveDeps, connectionId: string, headers: Headers, raw: Buffer, now: Date): Promise<Result<Received, ReceiveFailure>> {
  const { db } = deps;
  const c = await findConnection(db, connectionId);
  if (!c) return fail('not_found', 'no helpdesk connection at this URL');
  const refuse = async <F extends ReceiveFailure>(f: F, code: string = f.code) => {
    await recordRejected(db, c.workspaceId, c.id, now, code, f.message);
    return { ok: false as const, ...f };
  };
  if (!c.enabled) return refuse({ code: 'not_found', message: 'this helpdesk connection is disabled' }, 'connection_disabled');
  const secret = openSecret(deps.box, deps.boxMissing, c);
  if (!secret.ok) return refuse({ code: secret.code as ReceiveFailure['code'], message: secret.message });
  const signed = verifySignature(c.kind, secret.value, headers, raw, now);
  if (!signed.ok) return refuse({ code: signed.code, message: signed.message });

  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return refuse({ code: 'invalid_json', message: `the body is not valid JSON: ${(err as Error).message}` });
  }
  const parsed = parse(c, body, signed.value ?? now);
  if (!parsed.ok && parsed.code === 'invalid_payload') return refuse({ code: 'validation_failed', message: parsed.message }, 'invalid_payload');
  const deliveryId = (parsed.ok ? parsed.deliveryId : undefined) ?? deliveryIdHeader(c.kind, headers) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;

  return ok(
    await db.transaction(async (tx): Promise<Received> => {
      const id = await claimDelivery(tx, c.workspaceId, c.id, deliveryId.slice(0, 200), now, body);
      const none = { workspaceId: c.workspaceId, customerIds: [], events: [] };
      if (id === null) return { ...none, status: 'duplicate', reason: 'this delivery was received before' };
      if (!parsed.ok) {
        await finishDelivery(tx, id, { status: 'ignored', reasonCode: 'ignored', reason: parsed.message, events: [], customerId: null });
        return { ...none, status: 'ignored', reason: parsed.message };
      }
      const events: string[] = [];
      const customers = new Set<number>();
      let unmatched = false;
      for (const a of parsed.actions) {
        const r = await applyToTicket(tx, c.workspaceId, c, a);
        events.push(...r.events);
        if (r.customerId === null) unmatched = true;
        else if (r.written > 0) customers.add(r.customerId);
        if (r.customerId !== null) customers.add(r.customerId);
      }
      const first = [...customers][0] ?? null;
      const reason = unmatched ? 'the requester matches no customer yet: the ticket is kept and matched when they are known (or on POST /api/helpdesk/connections/:id/rematch)' : null;
      await finishDelivery(tx, id, { status: unmatched ? 'unmatched' : 'accepted', reasonCode: unmatched ? 'no_customer' : null, reason, events, customerId: first });
      return { workspaceId: c.workspaceId, customerIds: [...customers], status: unmatched ? 'unmatched' : 'accepted', events, reason };
    }),
  );
}
