/**
 * Zendesk webhooks as support actions. A webhook subscribed to ticket events sends
 * `zen:event-type:ticket.*` payloads (`detail`: the ticket, `event`: what changed, `id`:
 * the event's id, the same on a retry):
 *
 * | Zendesk event type | action |
 * |---|---|
 * | `ticket.created` | created (at `detail.created_at`) |
 * | `ticket.comment_added` with a public comment by staff (`event.comment.author.is_staff`) | replied |
 * | `ticket.status_changed` to `SOLVED` / `CLOSED` | solved |
 * | `ticket.status_changed` to `NEW` / `OPEN` / `PENDING` / `HOLD` | opened: a reopen when it was solved |
 *
 * Ticket events name the requester by Zendesk user id only, and Zendesk sends no event for
 * a satisfaction rating: a trigger connected to the same webhook sends the generic shape
 * (docs/helpdesk.md) with `{{ticket.requester.email}}`, `{{ticket.requester.external_id}}`
 * and `{{satisfaction.current_rating}}`, which this receiver takes as well.
 */
import { obj, str, timeOf, type Parsed, type SupportAction } from './actions.js';
import { genericActions } from './generic.js';

const SOLVED = new Set(['solved', 'closed']);
const OPEN = new Set(['new', 'open', 'pending', 'hold']);

/** The support actions of one Zendesk webhook body; `at`: the signed time. */
export function zendeskActions(body: Record<string, unknown>, at: Date): Parsed {
  const type = str(body.type, 200);
  if (!type) return genericActions(body, at);
  if (!type.startsWith('zen:event-type:ticket.')) return { ok: false, code: 'ignored', message: `Zendesk event "${type}" is not a ticket event Tenure follows` };
  const detail = obj(body.detail);
  const event = obj(body.event);
  const ticketId = str(detail.id) ?? str(body.subject)?.replace(/^zen:ticket:/, '');
  if (!ticketId) return { ok: false, code: 'invalid_payload', message: `a ${type} without detail.id` };
  const when = timeOf(body.time) ?? at;
  const org = str(detail.organization_id);
  const base = { openedAt: timeOf(detail.created_at), organization: org && org !== '0' ? { id: org } : undefined };
  const one = (a: Partial<SupportAction> & Pick<SupportAction, 'kind' | 'at'>): Parsed => ({
    ok: true,
    actions: [{ ticketId, openedAt: base.openedAt, organization: base.organization, ...a }],
    deliveryId: str(body.id, 200),
  });
  switch (type.slice('zen:event-type:'.length)) {
    case 'ticket.created':
      return one({ kind: 'created', at: base.openedAt ?? when });
    case 'ticket.comment_added': {
      const comment = obj(event.comment);
      const staff = obj(comment.author).is_staff === true && comment.is_public !== false;
      return one({ kind: staff ? 'replied' : 'seen', at: when, ref: str(comment.id) });
    }
    case 'ticket.status_changed': {
      const status = (str(obj(event).current) ?? str(obj(obj(event).current).status) ?? str(detail.status) ?? '').toLowerCase();
      if (SOLVED.has(status)) return one({ kind: 'solved', at: when });
      if (OPEN.has(status)) return one({ kind: 'opened', at: when });
      return one({ kind: 'seen', at: when });
    }
    default:
      return { ok: false, code: 'ignored', message: `Zendesk event "${type}" is not a ticket event Tenure follows` };
  }
}
