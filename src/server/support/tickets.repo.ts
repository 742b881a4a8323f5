/**
 * Support tickets (table support_tickets): one row per helpdesk ticket, its state
 * (ticket-state.ts), its requester and its support events. An action is applied under the
 * row's lock; the events go on the customer's timeline when the requester matches one,
 * else they wait on the row until a later delivery or a rematch finds the customer.
 */
import type { Queryable } from '../db/client.js';
import type { TimelineEvent } from '../timeline/timeline-writer.js';
import { writeTimeline } from '../timeline/timeline-writer.js';
import type { HelpdeskKind } from '../../contracts/support.js';
import { domainOf, type SupportAction } from './actions.js';
import { matchAccount, matchCustomer } from './match.js';
import { applyAction, type StoredEvent, type TicketState } from './ticket-state.js';

/** At most this many events are kept on a ticket (the oldest go first); they are written on the timeline already or matched later. */
const MAX_EVENTS = 200;

interface TicketRow {
  customer_id: number | null;
  account_id: number | null;
  requester_email: string | null;
  requester_phone: string | null;
  requester_external_id: string | null;
  organization: string | null;
  domain: string | null;
  created_at: Date | null;
  first_response_at: Date | null;
  solved_at: Date | null;
  solves: number;
  reopens: number;
  rating: number | null;
  rated_at: Date | null;
  events: StoredEvent[];
}

export interface Applied {
  /** Names of the events this action made. */
  events: string[];
  customerId: number | null;
  /** Events written on the timeline now (this action's, or all the ticket's once it matched). */
  written: number;
}

/** The timeline events of a ticket's stored events, for its customer. */
function timelineOf(workspaceId: number, connectionId: string, ticketId: string, customerId: number, events: StoredEvent[]): TimelineEvent[] {
  return events.map(
    (e) =>
      ({
        workspaceId,
        customerId,
        event: e.event,
        properties: e.properties,
        at: new Date(e.at),
        key: { kind: 'support', connection: connectionId, ticket: ticketId, what: e.what },
        type: 'track',
      }) as TimelineEvent,
  );
}

/** Apply one action to its ticket (created when new), in the caller's transaction. */
export async function applyToTicket(tx: Queryable, workspaceId: number, connection: { id: string; kind: HelpdeskKind }, a: SupportAction): Promise<Applied> {
  await tx.query(`INSERT INTO support_tickets (workspace_id, connection_id, ticket_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [workspaceId, connection.id, a.ticketId]);
  const { rows } = await tx.query<TicketRow>(`SELECT * FROM support_tickets WHERE workspace_id = $1 AND connection_id = $2 AND ticket_id = $3 FOR UPDATE`, [workspaceId, connection.id, a.ticketId]);
  const t = rows[0]!;
  const requester = {
    email: a.requester?.email ?? t.requester_email ?? undefined,
    phone: a.requester?.phone ?? t.requester_phone ?? undefined,
    externalId: a.requester?.externalId ?? t.requester_external_id ?? undefined,
  };
  const organization = a.organization?.name ?? a.organization?.id ?? t.organization ?? undefined;
  const domain = a.organization?.domain ?? t.domain ?? domainOf(requester.email);
  const before: TicketState = {
    createdAt: t.created_at,
    firstResponseAt: t.first_response_at,
    solvedAt: t.solved_at,
    solves: t.solves,
    reopens: t.reopens,
    rating: t.rating,
    ratedAt: t.rated_at,
  };
  const common = { source: connection.kind, connection_id: connection.id, ticket_id: a.ticketId, ...(organization ? { organization } : {}) };
  const { state, events } = applyAction(before, a, common);

  const customerId = t.customer_id ?? (await matchCustomer(tx, workspaceId, requester));
  const accountId = t.account_id ?? (await matchAccount(tx, workspaceId, { id: a.organization?.id, domain: a.organization?.id || a.organization?.domain ? domain : undefined }, customerId));
  const stored = [...t.events, ...events].slice(-MAX_EVENTS);
  await tx.query(
    `UPDATE support_tickets SET customer_id = $4, account_id = $5, requester_email = $6, requester_phone = $7, requester_external_id = $8, organization = $9, domain = $10,
            created_at = $11, first_response_at = $12, solved_at = $13, solves = $14, reopens = $15, rating = $16, rated_at = $17, events = $18::jsonb, updated_at = now()
      WHERE workspace_id = $1 AND connection_id = $2 AND ticket_id = $3`,
    [
      workspaceId,
      connection.id,
      a.ticketId,
      customerId,
      accountId,
      requester.email ?? null,
      requester.phone ?? null,
      requester.externalId ?? null,
      organization ?? null,
      domain ?? null,
      state.createdAt?.toISOString() ?? null,
      state.firstResponseAt?.toISOString() ?? null,
      state.solvedAt?.toISOString() ?? null,
      state.solves,
      state.reopens,
      state.rating,
      state.ratedAt?.toISOString() ?? null,
      JSON.stringify(stored),
    ],
  );
  let written = 0;
  if (customerId !== null) {
    // Newly matched: everything the ticket kept; else this action's events (each written once by its id).
    const toWrite = t.customer_id === null ? stored : events;
    written = await writeTimeline(tx, timelineOf(workspaceId, connection.id, a.ticketId, customerId, toWrite), { derivedWork: ['stage', 'segment'] });
  }
  return { events: events.map((e) => e.event), customerId, written };
}

/**
 * Match the connection's unmatched tickets again (customers identified since) and write
 * the events of those now matched. Returns the customers matched and the counts.
 */
export async function rematchTickets(tx: Queryable, workspaceId: number, connectionId: string): Promise<{ customerIds: number[]; matched: number; events: number; stillUnmatched: number }> {
  const { rows } = await tx.query<TicketRow & { ticket_id: string; domain: string | null }>(
    `SELECT * FROM support_tickets WHERE workspace_id = $1 AND connection_id = $2 AND customer_id IS NULL ORDER BY ticket_id LIMIT 10000 FOR UPDATE SKIP LOCKED`,
    [workspaceId, connectionId],
  );
  const customerIds: number[] = [];
  let events = 0;
  for (const t of rows) {
    const customerId = await matchCustomer(tx, workspaceId, { email: t.requester_email ?? undefined, phone: t.requester_phone ?? undefined, externalId: t.requester_external_id ?? undefined });
    if (customerId === null) continue;
    const accountId = t.account_id ?? (await matchAccount(tx, workspaceId, undefined, customerId));
    await tx.query(`UPDATE support_tickets SET customer_id = $4, account_id = $5, updated_at = now() WHERE workspace_id = $1 AND connection_id = $2 AND ticket_id = $3`, [
      workspaceId,
      connectionId,
      t.ticket_id,
      customerId,
      accountId,
    ]);
    events += await writeTimeline(tx, timelineOf(workspaceId, connectionId, t.ticket_id, customerId, t.events), { derivedWork: ['stage', 'segment'] });
    customerIds.push(customerId);
  }
  return { customerIds: [...new Set(customerIds)], matched: customerIds.length, events, stillUnmatched: rows.length - customerIds.length };
}
