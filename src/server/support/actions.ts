/**
 * What a helpdesk delivery says happened to a ticket, whatever the tool: the receivers
 * (chatwoot.ts, zendesk.ts, generic.ts) turn their payloads into these, and the ticket
 * state (ticket-state.ts) decides which support events they make.
 */

/** The person who asked, as the helpdesk knows them: matched to a customer by these. */
export interface Requester {
  email?: string;
  phone?: string;
  /** The customer's userId in your product, when the helpdesk has it (Chatwoot's identifier, a Zendesk user's external_id). */
  externalId?: string;
}

export interface Organization {
  /** Compared with accounts' group ids. */
  id?: string;
  name?: string;
  /** Compared with accounts' group ids and `domain` traits. */
  domain?: string;
}

export interface Rating {
  score: number;
  min: number;
  max: number;
  comment?: string;
}

/**
 * One thing that happened to a ticket. `opened`: its status became open (a reopen when it
 * was solved); `seen`: nothing happened but the payload tells who the requester is.
 */
export interface SupportAction {
  ticketId: string;
  kind: 'created' | 'replied' | 'solved' | 'opened' | 'reopened' | 'rated' | 'seen';
  at: Date;
  /** When the ticket was opened, when the payload says so. */
  openedAt?: Date;
  /** The reply's or rating's id in the tool (two replies are two events). */
  ref?: string;
  requester?: Requester;
  organization?: Organization;
  rating?: Rating;
}

/** A payload read: its actions, or why none (`ignored`: an event Tenure does not follow). */
export type Parsed = { ok: true; actions: SupportAction[]; deliveryId?: string } | { ok: false; code: 'ignored' | 'invalid_payload'; message: string };

/** A time from a payload: ISO text, or unix seconds (or milliseconds) as a number or digits. */
export function timeOf(v: unknown): Date | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e12 ? v : v * 1000);
  if (typeof v === 'string' && v.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(v.trim())) return timeOf(Number(v));
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  return undefined;
}

/** A non-empty trimmed string (numbers as text), else undefined. */
export function str(v: unknown, max = 320): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t.slice(0, max);
}

export const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The domain of an email address (lower case), for matching an account. */
export function domainOf(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return at > 0 ? email!.slice(at + 1).toLowerCase() : undefined;
}
