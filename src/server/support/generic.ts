/**
 * The generic receiver's shape (GenericHelpdeskPayload, docs/helpdesk.md) as support
 * actions: one event of one ticket, as an admin's template fills it in.
 */
import { GenericHelpdeskPayload } from '../../contracts/support.js';
import { str, timeOf, type Parsed, type SupportAction } from './actions.js';

/** The support action of one generic payload; `at`: the signed time (else when received). */
export function genericActions(body: unknown, at: Date): Parsed {
  const p = GenericHelpdeskPayload.safeParse(body);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    return { ok: false, code: 'invalid_payload', message: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  const g = p.data;
  const org = typeof g.organization === 'string' ? { name: g.organization } : g.organization;
  const action: SupportAction = {
    ticketId: g.ticket_id,
    kind: g.event,
    at: timeOf(g.occurred_at) ?? at,
    openedAt: timeOf(g.ticket_created_at),
    ref: g.ref ?? g.delivery_id,
    requester: g.requester ? { email: str(g.requester.email), phone: str(g.requester.phone, 64), externalId: str(g.requester.external_id, 200) } : undefined,
    organization: org || g.domain ? { id: str(org?.id, 200), name: str(org?.name, 200), domain: str(org?.domain ?? g.domain, 253)?.toLowerCase() } : undefined,
  };
  if (g.event === 'rated') {
    const rating = ratingOf(g.score, g.scale_min, g.scale_max);
    if (!rating) return { ok: false, code: 'invalid_payload', message: 'a `rated` event needs a `score`: a number within scale_min..scale_max (default 1–5), or good / bad' };
    action.rating = { ...rating, comment: str(g.comment, 5_000) };
  }
  return { ok: true, actions: [action], deliveryId: g.delivery_id };
}

/** A score as templates send it: a number (or digits) on min..max, or Zendesk's `good` / `bad` (1 / 0 on 0–1). */
export function ratingOf(score: unknown, min?: number, max?: number): { score: number; min: number; max: number } | null {
  if (typeof score === 'string' && /^(good|bad)$/i.test(score.trim())) return { score: score.trim().toLowerCase() === 'good' ? 1 : 0, min: 0, max: 1 };
  const n = typeof score === 'number' ? score : typeof score === 'string' && score.trim() !== '' ? Number(score) : NaN;
  const lo = min ?? 1;
  const hi = max ?? 5;
  if (!Number.isFinite(n) || !(hi > lo) || n < lo || n > hi) return null;
  return { score: n, min: lo, max: hi };
}
