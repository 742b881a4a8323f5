import type { Queryable } from '../db/client.js';
import type { SurveyMessage, SurveyMessages } from '../channels/dispatch-claim.js';
import { ok } from '../lib/result.js';
import { surveyVersion } from './surveys.repo.js';
import { surveyUrl } from './surveys.service.js';
import { renderInAppSurvey, renderSurveyEmail, renderSurveySms } from './survey-render.js';

/**
 * The dispatcher's view of survey invitations (channels/dispatch-claim.ts SurveyMessages):
 * each message that carries a survey is rendered from the survey version it was sent with,
 * with the invitation's signed links — one per score in an email (one click answers), the
 * answer page in an in-app message, the question with how to reply by SMS.
 */
export const surveyMessages: SurveyMessages = {
  async load(tx: Queryable, refs) {
    const out = new Map<number, SurveyMessage>();
    const names = new Map<number, string>();
    for (const ref of refs) {
      const v = await surveyVersion(tx, ref.workspaceId, ref.surveyId, ref.version);
      if (!v) continue;
      if (!names.has(ref.workspaceId)) {
        const { rows } = await tx.query<{ name: string }>(`SELECT name FROM workspaces WHERE id = $1`, [ref.workspaceId]);
        names.set(ref.workspaceId, rows[0]?.name ?? '');
      }
      const workspace = { name: names.get(ref.workspaceId)! };
      const claims = { w: ref.workspaceId, i: ref.invitationId, c: ref.customerId };
      out.set(ref.invitationId, {
        render(channel, input) {
          const vars = { ...input.vars, workspace };
          const url = (score?: number) => surveyUrl(input.publicUrl, input.secret, claims, input.nowSec, score);
          if (channel === 'email') return renderSurveyEmail(v.definition, { vars, scoreUrl: (s) => url(s), pageUrl: url(), unsubscribeUrl: input.unsubscribeUrl });
          if (channel === 'sms') {
            const text = renderSurveySms(v.definition, vars);
            return text.ok ? ok({ subject: '', text: text.value }) : text;
          }
          return ok(renderInAppSurvey(v.definition, vars, url()));
        },
      });
    }
    return out;
  },
};
