/**
 * What the export archive holds, kind by kind: each kind is one CSV file and one key of
 * `person.json`, made of one or more sections (a table, or a part of one). `$1` is the
 * workspace, `$2` the customer. A section with `pageBy` is read in pages of PAGE rows ordered
 * by that column, or by (time, id) where the time leads an index on the customer (`AND (<pageBy>) > ($3, …) ORDER BY <pageBy> LIMIT n` is appended), so a long history
 * never sits in memory; the others are small per person and read at once.
 */
export interface ExportSection {
  /** The section's name: the `record` column of a kind's CSV, its key in person.json. */
  record: string;
  /** Columns, in CSV order; the SELECT returns exactly these names. */
  columns: readonly string[];
  sql: string;
  pageBy?: string | readonly [string, string];
}

export interface ExportKind {
  /** `person.json` key; the CSV is `<kind>.csv`. */
  kind: string;
  sections: readonly ExportSection[];
}

export const PAGE = 1000;

const CUSTOMER_SEGMENT = `s.workspace_id = $1 AND s.scope = 'customer'`;

export const EXPORT_KINDS: readonly ExportKind[] = [
  {
    kind: 'profile',
    sections: [
      {
        record: 'profile',
        columns: ['id', 'user_id', 'traits', 'trait_times', 'first_touch', 'last_touch', 'created_at', 'updated_at'],
        sql: `SELECT id, user_id, traits, trait_times, first_touch, last_touch, created_at, updated_at FROM customers WHERE workspace_id = $1 AND id = $2`,
      },
    ],
  },
  {
    kind: 'identities',
    sections: [
      {
        record: 'identity',
        columns: ['kind', 'value', 'created_at'],
        sql: `SELECT kind, value, created_at FROM identities WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind, value`,
      },
    ],
  },
  {
    kind: 'events',
    sections: [
      {
        record: 'event',
        columns: ['id', 'type', 'event', 'message_id', 'user_id', 'anonymous_id', 'group_id', 'timestamp', 'original_timestamp', 'sent_at', 'received_at', 'properties', 'traits', 'context'],
        sql: `SELECT id, type, event, message_id, user_id, anonymous_id, group_id, timestamp, original_timestamp, sent_at, received_at, properties, traits, context
                FROM events WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: ['timestamp', 'id'],
      },
    ],
  },
  {
    kind: 'messages',
    sections: [
      {
        record: 'message',
        columns: [
          'id',
          'channel',
          'status',
          'reason_code',
          'reason',
          'journey_id',
          'step_id',
          'variant',
          'template_id',
          'group_id',
          'transactional',
          'to_address',
          'subject',
          'body_text',
          'body_html',
          'context',
          'provider_id',
          'created_at',
          'sent_at',
          'opened_at',
          'clicked_at',
        ],
        sql: `SELECT id, channel, status, reason_code, reason, journey_id, step_id, variant, template_id, group_id, transactional, to_address, subject, body_text, body_html,
                     context, provider_id, created_at, sent_at, opened_at, clicked_at
                FROM messages WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
      {
        // What happened to each message (opened, clicked, bounced, unsubscribed): its events on the timeline.
        record: 'message_event',
        columns: ['message', 'id', 'event', 'timestamp', 'properties'],
        sql: `SELECT (properties ->> 'messageId')::bigint AS message, id, event, timestamp, properties
                FROM events WHERE workspace_id = $1 AND customer_id = $2 AND type IN ('track', 'tenure') AND properties ->> 'messageId' ~ '^[0-9]{1,18}$'`,
        pageBy: ['timestamp', 'id'],
      },
    ],
  },
  {
    kind: 'stages',
    sections: [
      {
        record: 'current',
        columns: ['stage', 'since', 'reason', 'evaluated_at'],
        sql: `SELECT stage, since, reason, evaluated_at FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`,
      },
      {
        record: 'transition',
        columns: ['id', 'from_stage', 'to_stage', 'at', 'pattern', 'reason'],
        sql: `SELECT id, from_stage, to_stage, at, pattern, reason FROM stage_transitions WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'segments',
    sections: [
      {
        record: 'member',
        columns: ['segment_id', 'segment_name', 'entered_at'],
        sql: `SELECT m.segment_id, s.name AS segment_name, m.entered_at FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id
               WHERE m.workspace_id = $1 AND m.customer_id = $2 AND ${CUSTOMER_SEGMENT} ORDER BY m.segment_id`,
      },
      {
        record: 'history',
        columns: ['id', 'segment_id', 'segment_name', 'entered_at', 'exited_at'],
        sql: `SELECT h.id, h.segment_id, s.name AS segment_name, h.entered_at, h.exited_at FROM segment_history h JOIN segments s ON s.workspace_id = h.workspace_id AND s.id = h.segment_id
               WHERE h.workspace_id = $1 AND h.customer_id = $2 AND ${CUSTOMER_SEGMENT}`,
        pageBy: 'h.id',
      },
    ],
  },
  {
    kind: 'scores',
    sections: [
      { record: 'score', columns: ['name', 'value', 'computed_at'], sql: `SELECT name, value, computed_at FROM customer_scores WHERE workspace_id = $1 AND customer_id = $2 ORDER BY name` },
      {
        record: 'prediction',
        columns: ['kind', 'probability', 'score', 'factors', 'computed_at'],
        sql: `SELECT kind, probability, score, factors, computed_at FROM customer_predictions WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind`,
      },
      {
        record: 'health',
        columns: ['score', 'band', 'measures', 'computed_at'],
        sql: `SELECT score, band, measures, computed_at FROM health_scores WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`,
      },
      {
        record: 'health_history',
        columns: ['id', 'score', 'band', 'previous_score', 'previous_band', 'measures', 'at'],
        sql: `SELECT id, score, band, previous_score, previous_band, measures, at FROM health_history WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`,
        pageBy: 'id',
      },
      {
        record: 'recommendation',
        columns: ['rank', 'product_id', 'score', 'reason'],
        sql: `SELECT rank, product_id, score, reason FROM customer_recommendations WHERE workspace_id = $1 AND customer_id = $2 ORDER BY rank`,
      },
    ],
  },
  {
    kind: 'consents',
    sections: [
      {
        record: 'current',
        columns: ['group_id', 'subscribed', 'source', 'updated_at'],
        sql: `SELECT group_id, subscribed, source, updated_at FROM consents WHERE workspace_id = $1 AND customer_id = $2 ORDER BY group_id`,
      },
      {
        record: 'record',
        columns: ['id', 'group_id', 'subscribed', 'source', 'at', 'ip', 'user_agent', 'text_shown', 'actor', 'context'],
        sql: `SELECT id, group_id, subscribed, source, at, ip, user_agent, text_shown, actor, context FROM consent_records WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'surveys',
    sections: [
      {
        record: 'invitation',
        columns: ['id', 'survey_id', 'version', 'type', 'channel', 'source', 'journey_id', 'round', 'status', 'reason_code', 'reason', 'created_at', 'sent_at', 'answered_at'],
        sql: `SELECT id, survey_id, version, type, channel, source, journey_id, round, status, reason_code, reason, created_at, sent_at, answered_at
                FROM survey_invitations WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
      {
        record: 'response',
        columns: ['id', 'invitation_id', 'survey_id', 'version', 'type', 'channel', 'round', 'score', 'band', 'sentiment', 'comment', 'commented_at', 'responded_at'],
        sql: `SELECT id, invitation_id, survey_id, version, type, channel, round, score, band, sentiment, comment, commented_at, responded_at
                FROM survey_responses WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'loyalty',
    sections: [
      {
        record: 'membership',
        columns: ['status', 'tier', 'joined_at', 'tier_since', 'term_start', 'reviewed_at'],
        sql: `SELECT status, tier, joined_at, tier_since, term_start, reviewed_at FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`,
      },
      {
        record: 'entry',
        columns: ['id', 'kind', 'points', 'at', 'order_id', 'source_event', 'reverses', 'redemption_id', 'referral_id', 'actor', 'reason', 'detail'],
        sql: `SELECT id, kind, points, at, order_id, source_event, reverses, redemption_id, referral_id, actor, reason, detail FROM loyalty_entries WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
      {
        record: 'lot',
        columns: ['id', 'entry_id', 'points', 'earned_at', 'expires_at', 'pending_until', 'order_id'],
        sql: `SELECT id, entry_id, points, earned_at, expires_at, pending_until, order_id FROM loyalty_lots WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
      {
        record: 'redemption',
        columns: ['id', 'reward_id', 'points', 'code', 'status', 'channel', 'created_at', 'updated_at'],
        sql: `SELECT id, reward_id, points, code, status, channel, created_at, updated_at FROM loyalty_redemptions WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
      {
        record: 'tier_change',
        columns: ['id', 'from_tier', 'to_tier', 'at', 'reason'],
        sql: `SELECT id, from_tier, to_tier, at, reason FROM loyalty_tier_changes WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'referrals',
    sections: [
      {
        record: 'code',
        columns: ['code', 'vanity', 'created_at', 'disabled_at'],
        sql: `SELECT code, vanity, created_at, disabled_at FROM referral_codes WHERE workspace_id = $1 AND customer_id = $2 ORDER BY created_at`,
      },
      {
        // Referrals the person made (advocate) or was brought in by (friend); the other party is named by id only.
        record: 'referral',
        columns: ['id', 'role', 'code', 'via', 'status', 'decision', 'attributed_at', 'decided_at', 'order_id', 'order_value', 'order_at'],
        sql: `SELECT id, CASE WHEN advocate_id = $2 THEN 'advocate' ELSE 'friend' END AS role, code, via, status, decision, attributed_at, decided_at, order_id, order_value, order_at
                FROM referrals WHERE workspace_id = $1 AND (advocate_id = $2 OR friend_id = $2)`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'tasks',
    sections: [
      {
        record: 'task',
        columns: ['id', 'title', 'note', 'status', 'assignee_role', 'assignee', 'journey_id', 'due_at', 'created_at', 'done_at', 'reason'],
        sql: `SELECT id, title, note, status, assignee_role, assignee, journey_id, due_at, created_at, done_at, reason FROM tasks WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'journeys',
    sections: [
      {
        record: 'run',
        columns: ['id', 'journey_id', 'version', 'status', 'step', 'variant', 'trigger', 'entered_at', 'ended_at', 'end_reason'],
        sql: `SELECT id, journey_id, version, status, step, variant, trigger, entered_at, ended_at, end_reason FROM journey_runs WHERE workspace_id = $1 AND customer_id = $2`,
        pageBy: 'id',
      },
    ],
  },
  {
    kind: 'support',
    sections: [
      {
        record: 'ticket',
        columns: ['connection_id', 'ticket_id', 'requester_email', 'requester_phone', 'organization', 'created_at', 'first_response_at', 'solved_at', 'rating', 'rated_at'],
        sql: `SELECT connection_id, ticket_id, requester_email, requester_phone, organization, created_at, first_response_at, solved_at, rating, rated_at
                FROM support_tickets WHERE workspace_id = $1 AND customer_id = $2 ORDER BY created_at`,
      },
    ],
  },
  {
    kind: 'accounts',
    sections: [
      {
        record: 'account',
        columns: ['id', 'group_id', 'traits', 'joined_at'],
        sql: `SELECT a.id, a.group_id, a.traits, m.joined_at FROM account_members m JOIN accounts a ON a.workspace_id = m.workspace_id AND a.id = m.account_id
               WHERE m.workspace_id = $1 AND m.customer_id = $2 ORDER BY a.id`,
      },
    ],
  },
];
