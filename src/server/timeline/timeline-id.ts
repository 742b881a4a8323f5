/**
 * The messageIds of the events Tenure writes on customers' timelines, built in one place.
 * The scheme is `tenure:<kind>:<part>:<part>…`, the parts in the order listed below,
 * numbers in decimal and times in epoch milliseconds. A messageId is what makes a write
 * idempotent (the events' unique (workspace, messageId) index drops a second write), and
 * stage events are deleted by their ids again (clearStages), so an id once stored must be
 * produced byte for byte the same ever after: never change a scheme, add a new kind.
 *
 * | kind         | parts                              | one event per                               |
 * |--------------|------------------------------------|---------------------------------------------|
 * | `stage`      | subject, ms, to                    | stage move (customer, time, stage entered)  |
 * | `segment`    | segment, customer, ms, dir         | entry or exit (`entered` / `exited`)        |
 * | `journey`    | run, what                          | journey run entered / ended                 |
 * | `message`    | message, what                      | message and event name, or `click:<url>`    |
 * | `consent`    | customer, group, ms, change        | consent change (`sub` / `unsub`)            |
 * | `churn-risk` | customer, ms                       | scoring that raised the risk                |
 * | `health`     | customer, ms                       | health computation that dropped the band    |
 * | `survey`     | invitation, what                   | answer (`responded`), comment, dismissal    |
 * | `support`    | connection, ticket, what           | helpdesk ticket event (`created`, `reply:<id>`, `solved:<n>`, `reopened:<n>`, `rated:<id>`, `csat:<id>`) |
 * | `points`     | entry, customer                    | ledger entry, per member it moves (a transfer: both) |
 * | `loyalty`    | customer, what                     | enrolment (`enrolled`)                      |
 * | `tier`       | customer, ms, to                   | tier change                                 |
 * | `referral`   | referral, what                     | attribution, decision, reward or clawback per side (`attributed`, `held`, `blocked`, `friend`, `advocate`, `clawback:friend`, `clawback:advocate`) |
 */

export const TIMELINE_SCHEMES = {
  stage: ['subject', 'ms', 'to'],
  segment: ['segment', 'customer', 'ms', 'dir'],
  journey: ['run', 'what'],
  message: ['message', 'what'],
  consent: ['customer', 'group', 'ms', 'change'],
  'churn-risk': ['customer', 'ms'],
  health: ['customer', 'ms'],
  survey: ['invitation', 'what'],
  support: ['connection', 'ticket', 'what'],
  points: ['entry', 'customer'],
  loyalty: ['customer', 'what'],
  tier: ['customer', 'ms', 'to'],
  referral: ['referral', 'what'],
} as const;

export type TimelineKind = keyof typeof TIMELINE_SCHEMES;
type Parts<K extends TimelineKind, V> = Record<(typeof TIMELINE_SCHEMES)[K][number], V>;

/** What an event's messageId is made of: its kind and the parts of that kind's scheme. */
export type TimelineKey = { [K in TimelineKind]: { kind: K } & Parts<K, string | number> }[TimelineKind];

/** The messageId of one event Tenure writes. */
export function timelineId(key: TimelineKey): string {
  const parts = TIMELINE_SCHEMES[key.kind] as readonly string[];
  const values = key as unknown as Record<string, string | number>;
  return `tenure:${key.kind}:${parts.map((p) => String(values[p])).join(':')}`;
}

/**
 * The same messageId as an SQL text expression, for the statements that write events set
 * by set: each part an SQL expression (use `epochMsSql` for times), concatenated in the
 * scheme's order. `timeline-id.db.test.ts` checks both builders agree.
 */
export function timelineIdSql<K extends TimelineKind>(kind: K, parts: Parts<K, string>): string {
  const names = TIMELINE_SCHEMES[kind] as readonly string[];
  const exprs = parts as Record<string, string>;
  return `'tenure:${kind}:' || ${names.map((p) => exprs[p]).join(` || ':' || `)}`;
}

/** SQL: a timestamptz expression as whole epoch milliseconds, as `Date.getTime()` gives them. */
export function epochMsSql(expr: string): string {
  return `(extract(epoch FROM ${expr}) * 1000)::bigint`;
}
