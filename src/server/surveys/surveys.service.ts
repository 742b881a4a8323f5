import type { Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { getMessagingSettings } from '../channels/settings.repo.js';
import { findCustomerId } from '../identity/customers.read.js';
import { loadRenderFacts } from '../channels/render-context.js';
import type { SurveyDefinition } from '../../contracts/surveys.js';
import { inviteSegment, linkInvitation } from './invitations.repo.js';
import { getSurvey } from './surveys.repo.js';
import { makeSurveyToken } from './survey-tokens.js';
import { checkSurveyTexts, previewSurvey, type SurveyPreview } from './survey-render.js';

/** The answer page's address for an invitation. */
export function surveyUrl(publicUrl: string, secret: string, claims: { w: number; i: number; c: number }, nowSec: number, score?: number): string {
  return `${publicUrl}/s/${makeSurveyToken(secret, claims, nowSec)}${score === undefined ? '' : `?score=${score}`}`;
}

/** Invite a segment's members to an active survey as one round (named by the caller, else `broadcast-<date>`). */
export async function broadcastSurvey(
  db: Queryable,
  workspaceId: number,
  surveyId: string,
  b: { segment: string; channel: 'email' | 'sms' | 'inapp'; round?: string },
  now: Date,
): Promise<Result<{ round: string; invited: number }, Failure<'not_found'> | Failure<'conflict'>>> {
  const s = await getSurvey(db, workspaceId, surveyId);
  if (!s) return fail('not_found', `no survey "${surveyId}"`);
  if (s.status !== 'active') return fail('conflict', `the survey is ${s.status}: activate it before sending it`);
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM segments WHERE workspace_id = $1 AND id = $2`, [workspaceId, b.segment]);
  if (!rows[0]) return fail('not_found', `no segment "${b.segment}"`);
  const round = b.round ?? `broadcast-${now.toISOString().slice(0, 10)}`;
  const invited = await inviteSegment(db, workspaceId, { id: s.id, version: s.version, type: s.definition.type }, b.segment, b.channel, round, now);
  return ok({ round, invited });
}

/** A customer's own link to the hosted answer page (the same one when asked again in the same round). */
export async function customerSurveyLink(
  db: Queryable,
  workspaceId: number,
  surveyId: string,
  who: { customerId?: number; userId?: string },
  publicUrl: string,
  now: Date,
): Promise<Result<{ url: string; invitationId: number }, Failure<'not_found'> | Failure<'conflict'>>> {
  const s = await getSurvey(db, workspaceId, surveyId);
  if (!s) return fail('not_found', `no survey "${surveyId}"`);
  if (s.status === 'archived') return fail('conflict', 'the survey is archived');
  const customerId = who.customerId ?? (who.userId ? await findCustomerId(db, workspaceId, who.userId) : null);
  if (customerId === null) return fail('not_found', `no customer "${who.userId}"`);
  const id = await linkInvitation(db, workspaceId, { id: s.id, version: s.version, type: s.definition.type }, customerId, now);
  if (id === null) return fail('not_found', `no customer ${customerId}`);
  const { secret } = await getMessagingSettings(db, workspaceId);
  return ok({ url: surveyUrl(publicUrl, secret, { w: workspaceId, i: id, c: customerId }, Math.floor(now.getTime() / 1000)), invitationId: id });
}

/** The survey's email, SMS, in-app text and answer page with a sample customer, for the editor. */
export function previewDefinition(def: SurveyDefinition, workspaceName: string): SurveyPreview {
  const sample = { customer: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }, traits: { first_name: 'Ada' }, workspace: { name: workspaceName } };
  return previewSurvey(def, sample);
}

/** A definition's Liquid texts checked before it is saved (the error names the field). */
export const checkDefinition = checkSurveyTexts;

/** What the answer page shows of the customer and workspace: Liquid variables and the brand line. */
export async function surveyPageFacts(db: Queryable, workspaceId: number, customerId: number): Promise<{ vars: Record<string, unknown>; brand: string }> {
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM workspaces WHERE id = $1`, [workspaceId]);
  const brand = rows[0]?.name ?? '';
  const facts = (await loadRenderFacts(db, workspaceId, [customerId])).get(customerId) ?? {};
  return { vars: { ...facts, workspace: { name: brand } }, brand };
}
