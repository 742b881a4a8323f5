/**
 * What counts as a customer's activity: the one definition behind "last seen", "active
 * customers", retention, churn, cohorts, the stage engine's inactivity and the churn
 * model's label. Activity is what the customer did, not what was done to or about them:
 *
 * - `track`, `page` and `screen` calls count;
 * - `identify`, `group` and `alias` do not (profile updates, often made by another system:
 *   a CRM sync must not revive a churned customer), nor Tenure's own events (type `tenure`);
 * - messages sent to the customer and what became of them do not: sends, deliveries,
 *   bounces, failures, drops — from Tenure or from another tool — nor `Unsubscribed` and
 *   `Email Marked as Spam` (leaving is not engaging);
 * - opens and clicks are a workspace setting: by default a click counts (the customer
 *   chose to come) and an open does not (mail clients and privacy proxies open mail by
 *   themselves).
 *
 * Documented for users in docs/activity.md.
 */
import type { Queryable } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface ActivitySettings {
  /** Whether `Email Opened` (and other message opens) count as activity. */
  opens: boolean;
  /** Whether `Email Link Clicked` (and other message link clicks) count as activity. */
  clicks: boolean;
}

export const DEFAULT_ACTIVITY: ActivitySettings = Object.freeze({ opens: false, clicks: true });

/** Segment call types that are the customer's own actions. */
export const ACTIVITY_TYPES: readonly string[] = ['track', 'page', 'screen'];

/** Messages sent to the customer and their fate: never activity. */
export const MESSAGE_EVENTS: readonly string[] = [
  EV.emailSent,
  EV.emailDelivered,
  EV.emailBounced,
  EV.emailDropped,
  EV.emailDeferred,
  EV.emailFailed,
  EV.smsSent,
  EV.smsDelivered,
  EV.smsBounced,
  EV.smsFailed,
  EV.pushSent,
  EV.pushDelivered,
  EV.pushFailed,
  EV.pushNotificationSent,
  EV.pushNotificationDelivered,
  EV.pushNotificationBounced,
  EV.messageSent,
  EV.messageDelivered,
  EV.messageFailed,
  EV.webhookDelivered,
  EV.webhookFailed,
  EV.inAppMessageSent,
  EV.unsubscribed,
  EV.emailMarkedAsSpam,
];

/** Opens of a message: activity only when the workspace says so. */
export const OPEN_EVENTS: readonly string[] = [EV.emailOpened, EV.pushNotificationOpened, EV.inAppMessageViewed];

/** Clicks in a message: activity unless the workspace says otherwise. */
export const CLICK_EVENTS: readonly string[] = [EV.emailLinkClicked, EV.smsLinkClicked, EV.pushNotificationTapped, EV.inAppMessageClicked];

const TYPES = new Set(ACTIVITY_TYPES);

function excluded(s: ActivitySettings): string[] {
  return [...MESSAGE_EVENTS, ...(s.opens ? [] : OPEN_EVENTS), ...(s.clicks ? [] : CLICK_EVENTS)];
}

const excludedSets = new Map<string, ReadonlySet<string>>();
function excludedSet(s: ActivitySettings): ReadonlySet<string> {
  const key = `${s.opens ? 1 : 0}${s.clicks ? 1 : 0}`;
  let set = excludedSets.get(key);
  if (!set) excludedSets.set(key, (set = new Set(excluded(s))));
  return set;
}

/** Whether one event is the customer's activity. `type` defaults to `track`, as a Segment call's. */
export function isActivity(e: { type?: string | null; event?: string | null }, s: ActivitySettings = DEFAULT_ACTIVITY): boolean {
  if (!TYPES.has(e.type ?? 'track')) return false;
  return e.event == null || !excludedSet(s).has(e.event);
}

const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/**
 * The same test as SQL over an `events` row aliased `alias`: a boolean expression with the
 * names inlined as literals (they are this module's constants, not input), so it needs no
 * parameters and can be used in any query, index condition or view.
 */
export function activitySql(alias = 'e', s: ActivitySettings = DEFAULT_ACTIVITY): string {
  return `(${alias}.type IN (${ACTIVITY_TYPES.map(lit).join(', ')}) AND (${alias}.event IS NULL OR ${alias}.event NOT IN (${excluded(s).map(lit).join(', ')})))`;
}

/**
 * The same test in SQL for an events row `alias`, with the settings of a workspace
 * (workspaces.activity): the one to use wherever a query does not already know them.
 * `workspace` is the SQL for that workspace's id. Give one that does not depend on the event
 * row (a parameter such as `$1`, or the outer customer's `c.workspace_id`): PostgreSQL then
 * reads the setting once per query or per customer (an InitPlan) rather than once per open or
 * click event, which doubled the demo's facts and churn-training time. The default, the
 * row's own `workspace_id`, is for queries over events of several workspaces.
 */
export function workspaceActivitySql(alias = 'e', workspace = `${alias}.workspace_id`): string {
  const setting = (key: 'opens' | 'clicks', test: string) => `(SELECT ${test.replace('V', `w.activity->'${key}'`)} FROM workspaces w WHERE w.id = ${workspace})`;
  return (
    `(${alias}.type IN (${ACTIVITY_TYPES.map(lit).join(', ')}) AND (${alias}.event IS NULL OR (` +
    `${alias}.event NOT IN (${MESSAGE_EVENTS.map(lit).join(', ')})` +
    ` AND (${alias}.event NOT IN (${OPEN_EVENTS.map(lit).join(', ')}) OR ${setting('opens', `coalesce(V = 'true'::jsonb, ${DEFAULT_ACTIVITY.opens})`)})` +
    ` AND (${alias}.event NOT IN (${CLICK_EVENTS.map(lit).join(', ')}) OR ${setting('clicks', `coalesce(V <> 'false'::jsonb, ${DEFAULT_ACTIVITY.clicks})`)}))))`
  );
}

/** A workspace's settings, as workspaces.activity holds them (the default when unset). */
export async function loadActivitySettings(db: Queryable, workspaceId: number): Promise<ActivitySettings> {
  const { rows } = await db.query<RowPick<typeof schema.workspaces, 'activity'>>(`SELECT activity FROM workspaces WHERE id = $1`, [workspaceId]);
  return activitySettings(rows[0]?.activity);
}

/** Read a stored setting (a workspace's jsonb), falling back to the default for anything missing or malformed. */
export function activitySettings(raw: unknown): ActivitySettings {
  const o = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return {
    opens: typeof o.opens === 'boolean' ? o.opens : DEFAULT_ACTIVITY.opens,
    clicks: typeof o.clicks === 'boolean' ? o.clicks : DEFAULT_ACTIVITY.clicks,
  };
}
