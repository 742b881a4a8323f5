/**
 * THE table of audited routes: for every admin route that changes something (and the few reads
 * that hand data out: exports), what the audit log records — the action, the object's type, where
 * its id is, and how to read the object before and after the change. http/audit.ts applies it
 * to every request; audited-routes.test.ts checks that every changing route of policy.ts is
 * either here or in NOT_AUDITED with the reason, so a new route cannot be forgotten silently.
 *
 * Readers call the domain's own reads. A route whose object has no reader records the request
 * body and the response (`{ request, response }`) as `after`, or what its `summary` picks.
 * Customer-level routes record ids and counts only (never traits, emails or free text), with
 * the customer's internal id as the object id, so that an erased person does not survive here.
 * Whatever is recorded is redacted of secrets on the way in (audit/redact.ts).
 *
 * (The table lives in http/ rather than audit/: its readers import most domain folders, some
 * of which record audit entries themselves, and folders must not import each other in loops.)
 */
import type { Db } from '../db/client.js';
import { workspaceState } from '../audit/workspace-state.repo.js';
import { getSegment } from '../segments/segments.repo.js';
import { getJourney } from '../journeys/journeys.repo.js';
import { getTemplate } from '../channels/templates.repo.js';
import { getModel } from '../lifecycle/models.repo.js';
import { getMessagingSettings } from '../channels/settings.repo.js';
import { listSubscriptionGroups } from '../channels/subscriptions.repo.js';
import { listProviders } from '../channels/providers.repo.js';
import { inboxSettings } from '../workspaces/inbox-settings.repo.js';
import { getSurvey, getSurveySettings } from '../surveys/surveys.repo.js';
import { getProgramme } from '../loyalty/programme.repo.js';
import { getReward } from '../loyalty/rewards.repo.js';
import { getReferralSettings } from '../referrals/settings.repo.js';
import { listConnections } from '../support/connections.repo.js';
import { loadScorecard } from '../predict/health/health-scorecard.js';
import { findUser, membershipOf } from '../team/users.repo.js';

/** Reads an object's state as the log shows it; null when it does not exist (before a create, after a delete). */
export type AuditReader = (db: Db, workspaceId: number, id: string | null) => Promise<unknown>;

/** What one request gave, for routes that record a summary instead of reading the object. */
export interface AuditContext {
  body: unknown;
  response: unknown;
  params: Record<string, string>;
  query: Record<string, unknown>;
}

export interface AuditedRoute {
  /** `segment.update`, `key.create`, `privacy.erase`, … */
  action: string;
  objectType: string;
  /**
   * Where the object's id is: a route parameter, a field of the JSON answer (dotted path), the
   * workspace itself, a route parameter naming a customer (resolved to the internal id before
   * the change), a fixed name, or nowhere (workspace-wide settings: the object type says which).
   */
  id?: { param: string } | { response: string } | { workspace: true } | { customer: string } | { fixed: string };
  /** Reads the object before the change (preHandler) and after it (on a 2xx answer). */
  read?: AuditReader;
  /** Without a reader: what `after` records (default `{ request, response }`). */
  summary?: (c: AuditContext) => unknown;
  /** The entry belongs to another workspace than the request's (creating one): its id in the answer. */
  workspaceFrom?: string;
}

const omit = <T extends object>(o: T | null | undefined, ...keys: string[]): Partial<T> | null => {
  if (!o) return null;
  const out: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  for (const k of keys) delete out[k];
  return out as Partial<T>;
};
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const field = (o: unknown, k: string): unknown => get(o, k);

const segment: AuditReader = async (db, ws, id) => omit(id ? await getSegment(db, ws, id) : null, 'workspaceId', 'computedVersion', 'computedAt', 'createdAt', 'updatedAt');
const journey: AuditReader = async (db, ws, id) => omit(id ? await getJourney(db, ws, id) : null, 'workspaceId', 'triggerState', 'entries', 'createdAt', 'updatedAt');
const template: AuditReader = async (db, ws, id) => omit(id ? await getTemplate(db, ws, id) : null, 'workspaceId', 'compiled', 'createdAt', 'updatedAt');
const lifecycleModel: AuditReader = async (db, ws) => getModel(db, ws);
const workspace: AuditReader = async (db, ws) => workspaceState(db, ws);
const sources: AuditReader = async (db, ws) => {
  const s = await workspaceState(db, ws);
  return s ? { allowedOrigins: s.allowedOrigins } : null;
};
const messagingSettings: AuditReader = async (db, ws) => (await getMessagingSettings(db, ws)).settings;
const subscriptionGroup: AuditReader = async (db, ws, id) =>
  omit(
    (await listSubscriptionGroups(db, ws)).find((g) => g.id === id),
    'createdAt',
  );
const provider: AuditReader = async (db, ws, id) => {
  const p = (await listProviders(db, ws)).find((x) => x.channel === id);
  return p ? { channel: p.channel, kind: p.kind, settings: p.settings, hasSecret: p.secret !== null } : null;
};
const inbox: AuditReader = async (db, ws) => {
  const s = await inboxSettings(db, ws);
  return s ? { verification: s.verification, hasSecret: s.secret !== null } : null;
};
const survey: AuditReader = async (db, ws, id) => (id ? getSurvey(db, ws, id) : null);
const surveySettings: AuditReader = async (db, ws) => getSurveySettings(db, ws);
const programme: AuditReader = async (db, ws) => getProgramme(db, ws);
const reward: AuditReader = async (db, ws, id) => (id ? getReward(db, ws, id) : null);
const referralSettings: AuditReader = async (db, ws) => getReferralSettings(db, ws);
const helpdeskConnection: AuditReader = async (db, ws, id) => {
  const c = id ? (await listConnections(db, ws, id))[0] : undefined;
  return c ? { id: c.id, name: c.name, kind: c.kind, enabled: c.enabled } : null;
};
const scorecard: AuditReader = async (db, ws) => omit(await loadScorecard(db, ws), 'computedAt', 'updatedAt');

const member: AuditReader = async (db, ws, id) => {
  const userId = Number(id);
  if (!Number.isInteger(userId)) return null;
  const role = await membershipOf(db, ws, userId);
  const user = role ? await findUser(db, userId) : null;
  return role && user ? { userId, email: user.email, role } : null;
};

/** Only the answer (uploads: the file itself is never recorded). */
const responseOnly = (c: AuditContext) => c.response;
/** Nothing but the answer's counts and ids: numbers, booleans and short identifiers at the top level. */
const counts = (o: unknown): Record<string, unknown> | null => {
  if (o === null || typeof o !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' || typeof v === 'boolean' || k === 'status' || k === 'regulationType' || k === 'subjectType') out[k] = v;
  return out;
};

/** Method and URL pattern (as in policy.ts) → what the audit log records. */
export const AUDITED_ROUTES: Readonly<Record<string, AuditedRoute>> = {
  // Lifecycle model, segments, journeys, templates
  'PUT /api/lifecycle/model': { action: 'lifecycle_model.update', objectType: 'lifecycle_model', read: lifecycleModel },
  'POST /api/segments': { action: 'segment.create', objectType: 'segment', id: { response: 'segment.id' }, read: segment },
  'PUT /api/segments/:id': { action: 'segment.update', objectType: 'segment', id: { param: 'id' }, read: segment },
  'DELETE /api/segments/:id': { action: 'segment.delete', objectType: 'segment', id: { param: 'id' }, read: segment },
  'POST /api/segments/static': { action: 'segment.create', objectType: 'segment', id: { response: 'segment.id' }, read: segment },
  'POST /api/segments/:id/list': {
    action: 'segment.list_edit',
    objectType: 'segment',
    id: { param: 'id' },
    summary: (c) => ({ mode: field(c.body, 'mode') ?? 'add', customers: count(field(c.body, 'ids')), response: counts(c.response) }),
  },
  'GET /api/segments/:id/members.csv': { action: 'segment.export', objectType: 'segment', id: { param: 'id' }, summary: () => null },
  'POST /api/rfm/recompute': { action: 'rfm.recompute', objectType: 'rfm' },
  'POST /api/journeys': { action: 'journey.create', objectType: 'journey', id: { response: 'id' }, read: journey },
  'PUT /api/journeys/:id': { action: 'journey.update', objectType: 'journey', id: { param: 'id' }, read: journey },
  'DELETE /api/journeys/:id': { action: 'journey.delete', objectType: 'journey', id: { param: 'id' }, read: journey },
  'POST /api/journeys/:id/publish': { action: 'journey.publish', objectType: 'journey', id: { param: 'id' }, read: journey },
  'POST /api/journeys/:id/pause': { action: 'journey.pause', objectType: 'journey', id: { param: 'id' }, read: journey },
  'POST /api/templates': { action: 'template.create', objectType: 'template', id: { response: 'id' }, read: template },
  'PUT /api/templates/:id': { action: 'template.update', objectType: 'template', id: { param: 'id' }, read: template },
  'DELETE /api/templates/:id': { action: 'template.delete', objectType: 'template', id: { param: 'id' }, read: template },

  // Settings
  'PATCH /api/workspace': { action: 'workspace.update', objectType: 'workspace', id: { workspace: true }, read: workspace },
  'PUT /api/messaging/settings': { action: 'messaging_settings.update', objectType: 'messaging_settings', read: messagingSettings },
  'POST /api/subscription-groups': { action: 'subscription_group.create', objectType: 'subscription_group', id: { response: 'id' }, read: subscriptionGroup },
  'PUT /api/subscription-groups/:id': { action: 'subscription_group.update', objectType: 'subscription_group', id: { param: 'id' }, read: subscriptionGroup },
  'DELETE /api/subscription-groups/:id': { action: 'subscription_group.delete', objectType: 'subscription_group', id: { param: 'id' }, read: subscriptionGroup },
  'PUT /api/providers/:channel': { action: 'provider.save', objectType: 'provider', id: { param: 'channel' }, read: provider },
  'DELETE /api/providers/:channel': { action: 'provider.delete', objectType: 'provider', id: { param: 'channel' }, read: provider },
  'PATCH /api/sources': { action: 'sources.update', objectType: 'sources', read: sources },
  'PATCH /api/workspace/inbox': { action: 'inbox_settings.update', objectType: 'inbox_settings', read: inbox },
  'POST /api/workspace/inbox/rotate': { action: 'inbox_settings.rotate_secret', objectType: 'inbox_settings', read: inbox },
  'POST /api/workspace/keys/rotate': { action: 'workspace_keys.rotate', objectType: 'workspace_keys', id: { workspace: true }, summary: (c) => ({ request: c.body }) },
  'POST /api/surveys': { action: 'survey.create', objectType: 'survey', id: { response: 'id' }, read: survey },
  'PUT /api/surveys/:id': { action: 'survey.update', objectType: 'survey', id: { param: 'id' }, read: survey },
  'POST /api/surveys/:id/broadcast': { action: 'survey.broadcast', objectType: 'survey', id: { param: 'id' } },
  'PUT /api/survey-settings': { action: 'survey_settings.update', objectType: 'survey_settings', read: surveySettings },
  'PUT /api/loyalty/programme': { action: 'loyalty_programme.update', objectType: 'loyalty_programme', read: programme },
  'POST /api/loyalty/rewards': { action: 'loyalty_reward.create', objectType: 'loyalty_reward', id: { response: 'id' }, read: reward },
  'PUT /api/loyalty/rewards/:id': { action: 'loyalty_reward.update', objectType: 'loyalty_reward', id: { param: 'id' }, read: reward },
  'POST /api/loyalty/rewards/:id/codes': { action: 'loyalty_reward.add_codes', objectType: 'loyalty_reward', id: { param: 'id' }, summary: responseOnly },
  'PUT /api/referrals/settings': { action: 'referral_settings.update', objectType: 'referral_settings', read: referralSettings },
  'POST /api/referrals/codes': {
    action: 'referral_code.create',
    objectType: 'referral_code',
    id: { response: 'code' },
    summary: (c) => ({ vanity: field(c.response, 'vanity'), customerId: field(c.response, 'customerId') }),
  },
  'POST /api/referrals/:id/decision': { action: 'referral.decide', objectType: 'referral', id: { param: 'id' }, summary: (c) => ({ request: c.body, status: field(c.response, 'status') }) },
  'POST /api/helpdesk/connections': { action: 'helpdesk_connection.create', objectType: 'helpdesk_connection', id: { response: 'id' }, read: helpdeskConnection },
  'PUT /api/helpdesk/connections/:id': { action: 'helpdesk_connection.update', objectType: 'helpdesk_connection', id: { param: 'id' }, read: helpdeskConnection },
  'DELETE /api/helpdesk/connections/:id': { action: 'helpdesk_connection.delete', objectType: 'helpdesk_connection', id: { param: 'id' }, read: helpdeskConnection },
  'POST /api/helpdesk/connections/:id/rematch': { action: 'helpdesk_connection.rematch', objectType: 'helpdesk_connection', id: { param: 'id' }, summary: responseOnly },
  'PUT /api/health/scorecard': { action: 'health_scorecard.update', objectType: 'health_scorecard', read: scorecard },
  'POST /api/spend': { action: 'spend.record', objectType: 'spend' },
  'DELETE /api/spend': { action: 'spend.delete', objectType: 'spend' },

  // Recomputes and training (who started them)
  'POST /api/work/retry': { action: 'work.retry', objectType: 'work' },
  'POST /api/health/recompute': { action: 'health.recompute', objectType: 'health_scorecard' },
  'POST /api/recommendations/recompute': { action: 'recommendations.recompute', objectType: 'recommendations' },
  'POST /api/predictions/churn/train': { action: 'prediction.train', objectType: 'prediction_model', id: { fixed: 'churn' } },
  'POST /api/predictions/clv/train': { action: 'prediction.train', objectType: 'prediction_model', id: { fixed: 'clv' } },

  // Imports (the file itself is never recorded)
  'POST /api/imports': { action: 'import.start', objectType: 'import', id: { response: 'id' }, summary: (c) => counts(c.response) },
  'POST /api/imports/:id/cancel': { action: 'import.cancel', objectType: 'import', id: { param: 'id' }, summary: (c) => counts(c.response) },

  // One customer: ids and counts only
  'PUT /api/customers/:id/subscriptions': {
    action: 'customer.subscriptions',
    objectType: 'customer',
    id: { customer: 'id' },
    summary: (c) => ({ groups: field(c.body, 'groups') ?? {}, all: field(c.body, 'all') ?? {} }),
  },
  'POST /api/loyalty/members/:id/adjust': { action: 'loyalty.adjust', objectType: 'customer', id: { customer: 'id' }, summary: (c) => ({ points: field(c.body, 'points') }) },
  'POST /api/loyalty/members/:id/enrol': { action: 'loyalty.enrol', objectType: 'customer', id: { customer: 'id' }, summary: () => null },
  'POST /api/loyalty/transfers': { action: 'loyalty.transfer', objectType: 'loyalty_transfer', summary: (c) => ({ points: field(c.body, 'points') }) },
  'POST /api/loyalty/members/:id/redemptions': { action: 'loyalty.redeem', objectType: 'customer', id: { customer: 'id' }, summary: (c) => ({ rewardId: field(c.body, 'rewardId') }) },
  'POST /api/loyalty/redemptions/:id/cancel': { action: 'loyalty_redemption.cancel', objectType: 'loyalty_redemption', id: { param: 'id' }, summary: () => null },
  'POST /api/loyalty/redemptions/:id/used': { action: 'loyalty_redemption.used', objectType: 'loyalty_redemption', id: { param: 'id' }, summary: () => null },

  // Team, keys and workspaces (integrator's and "team" routes; body/answer based, redacted)
  'PATCH /api/members/:userId': { action: 'member.role', objectType: 'member', id: { param: 'userId' }, read: member },
  'DELETE /api/members/:userId': { action: 'member.remove', objectType: 'member', id: { param: 'userId' }, read: member },
  'POST /api/invitations': { action: 'member.invite', objectType: 'invitation', id: { response: 'id' }, summary: (c) => ({ email: field(c.body, 'email'), role: field(c.body, 'role') }) },
  'DELETE /api/invitations/:id': { action: 'invitation.revoke', objectType: 'invitation', id: { param: 'id' } },
  'POST /api/keys': { action: 'key.create', objectType: 'api_key', id: { response: 'key.id' }, summary: (c) => ({ key: field(c.response, 'key') ?? c.body }) },
  'DELETE /api/keys/:id': { action: 'key.revoke', objectType: 'api_key', id: { param: 'id' } },
  'POST /api/workspaces': { action: 'workspace.create', objectType: 'workspace', id: { response: 'workspace.id' }, workspaceFrom: 'workspace.id', summary: (c) => ({ request: c.body }) },
  'DELETE /api/workspace': { action: 'workspace.delete', objectType: 'workspace', id: { workspace: true }, summary: responseOnly },
  'POST /api/workspace/restore': { action: 'workspace.restore', objectType: 'workspace', id: { workspace: true }, summary: responseOnly },

  // Privacy: counts and receipts, never the people named
  'POST /api/privacy/regulations': {
    action: 'privacy.regulation',
    objectType: 'privacy_request',
    id: { response: 'id' },
    summary: (c) => ({ regulationType: field(c.body, 'regulationType'), subjectType: field(c.body, 'subjectType'), subjects: count(field(c.body, 'subjectIds')), response: counts(c.response) }),
  },
  'POST /api/privacy/purge-property': { action: 'privacy.purge_property', objectType: 'privacy_request', id: { response: 'requestId' } },
  'POST /api/customers/:id/erase': { action: 'privacy.erase', objectType: 'customer', id: { customer: 'id' }, summary: responseOnly },
  'GET /api/customers/:id/export': { action: 'privacy.export', objectType: 'customer', id: { customer: 'id' }, summary: () => null },
  'GET /api/privacy/requests/:id/archive': { action: 'privacy.archive_download', objectType: 'privacy_request', id: { param: 'id' }, summary: () => null },
  'GET /api/audit.csv': { action: 'audit.export', objectType: 'audit_log', summary: (c) => ({ query: c.query }) },
};

function count(v: unknown): number | null {
  return Array.isArray(v) ? v.length : null;
}

/** Changing routes that are deliberately not audited, with the reason. */
export const NOT_AUDITED: Readonly<Record<string, string>> = {
  'POST /api/templates/:id/test-send': 'a test message to the sender; it changes nothing and is kept as a message',
  'POST /api/providers/:channel/test': 'a test send through the provider; it changes nothing',
  'POST /api/surveys/:id/links': "hands out one customer's survey link; the invitation it makes is kept",
  'POST /api/imports/preview': 'a preview; nothing is saved',
  'POST /api/messages/:id/feedback': 'customer work, kept on the message itself',
  'PATCH /api/tasks/:id': 'customer work, kept on the task itself',
  'POST /api/auth/password': 'a person changes their own password: account-level, no workspace object',
  'POST /api/auth/signout': 'signing out changes nothing in the workspace',
};

/** The row of a route, by method and URL pattern. */
export function auditedRoute(method: string, url: string | undefined): AuditedRoute | undefined {
  return url === undefined ? undefined : AUDITED_ROUTES[`${method} ${url}`];
}

export { get as pathOf };
