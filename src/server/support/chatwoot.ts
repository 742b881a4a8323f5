/**
 * Chatwoot's account webhooks (Settings → Integrations → Webhooks) as support actions.
 * A conversation is a ticket; its contact (`meta.sender`) the requester:
 *
 * | Chatwoot event | action |
 * |---|---|
 * | `conversation_created` | created (at the conversation's `created_at`) |
 * | `message_created`, outgoing, public, sent by an agent (`sender.type` user) | replied (not bots, private notes or the CSAT form) |
 * | `conversation_status_changed` / `conversation_updated` with status `resolved` | solved |
 * | the same with status `open` / `pending` (after resolved) | opened: a reopen when it was solved |
 * | `message_updated` of an `input_csat` message with `submitted_values.csat_survey_response` | rated (rating 1–5, `feedback_message`) |
 *
 * Other events (typing, contacts, widget) are ignored.
 */
import { obj, str, timeOf, type Parsed, type Requester, type SupportAction } from './actions.js';

function requesterOf(sender: Record<string, unknown>): Requester {
  return { email: str(sender.email), phone: str(sender.phone_number, 64), externalId: str(sender.identifier, 200) };
}

/** The support actions of one Chatwoot webhook body; `at`: the signed time (else when received). */
export function chatwootActions(body: Record<string, unknown>, at: Date): Parsed {
  const event = str(body.event) ?? '';
  const isMessage = event.startsWith('message_');
  const conversation = isMessage ? obj(body.conversation) : body;
  const ticketId = str(conversation.id) ?? (isMessage ? str(body.conversation_id) : undefined);
  if (!ticketId) return event.startsWith('conversation_') || isMessage ? { ok: false, code: 'invalid_payload', message: `a ${event} without a conversation id` } : ignored(event);
  const meta = obj(conversation.meta);
  const contact = obj(meta.sender);
  const sender = obj(body.sender);
  const requester = requesterOf(Object.keys(contact).length > 0 ? contact : str(sender.type) === 'contact' ? sender : {});
  const company = str(obj(contact.additional_attributes).company_name, 200);
  const base = { ticketId, requester, organization: company ? { name: company } : undefined, openedAt: timeOf(conversation.created_at) };
  const one = (a: Omit<SupportAction, keyof typeof base>): Parsed => ({ ok: true, actions: [{ ...base, ...a }] });

  switch (event) {
    case 'conversation_created':
      return one({ kind: 'created', at: base.openedAt ?? at });
    case 'message_created': {
      const agentReply = str(body.message_type) === 'outgoing' && body.private !== true && str(sender.type) === 'user' && str(body.content_type) !== 'input_csat';
      return one({ kind: agentReply ? 'replied' : 'seen', at: timeOf(body.created_at) ?? at, ref: str(body.id) });
    }
    case 'message_updated': {
      const response = obj(obj(obj(body.content_attributes).submitted_values).csat_survey_response);
      const rating = typeof response.rating === 'number' ? response.rating : Number(str(response.rating));
      if (str(body.content_type) !== 'input_csat' || !Number.isFinite(rating)) return one({ kind: 'seen', at });
      return one({ kind: 'rated', at, ref: `msg${str(body.id) ?? ''}`, rating: { score: rating, min: 1, max: 5, comment: str(response.feedback_message, 5_000) } });
    }
    case 'conversation_status_changed':
    case 'conversation_updated':
    case 'conversation_resolved':
    case 'conversation_opened': {
      const status = event === 'conversation_resolved' ? 'resolved' : event === 'conversation_opened' ? 'open' : str(conversation.status);
      if (status === 'resolved') return one({ kind: 'solved', at });
      if (status === 'open' || status === 'pending') return one({ kind: 'opened', at });
      return one({ kind: 'seen', at });
    }
    default:
      return ignored(event);
  }
}

const ignored = (event: string): Parsed => ({ ok: false, code: 'ignored', message: `Chatwoot event "${event.slice(0, 100)}" is not a support event Tenure follows` });
