/**
 * Survey rendering, pure (no database, no routes): the email with the question in it, the
 * SMS, the in-app item, the hosted answer page's states, and the editor's preview of all
 * of them. The pieces live in survey-email.ts, answer-page.ts and page-strings.ts; this is
 * the module the dispatcher and the public routes import.
 */
import type { SurveyDefinition } from '../../contracts/surveys.js';
import { renderAnswerPage } from './answer-page.js';
import { renderInAppSurvey, renderSurveyEmail, renderSurveySms, type SurveyEmail } from './survey-email.js';
import { renderTextOr } from './survey-text.js';

export { answerPageCsp, renderAnswerPage, type AnswerPageState } from './answer-page.js';
export { PAGE_STRINGS, stringsFor, type PageStrings } from './page-strings.js';
export { renderInAppSurvey, renderSurveyEmail, renderSurveySms, SMS_MAX, type SurveyEmail, type SurveyEmailInput } from './survey-email.js';
export { checkSurveyTexts, followUpFor, thankYouFor } from './survey-text.js';

/** Everything the survey editor previews. */
export interface SurveyPreview {
  email: SurveyEmail;
  sms: string;
  inapp: { subject: string; text: string; html: string };
  /** The answer page as first seen (the `ask` state). */
  page: string;
}

/**
 * The survey as each channel would show it, with placeholder links (`#score-N`, `#page`,
 * `#unsubscribe`) so nothing in the preview can answer or unsubscribe anyone. Cannot fail:
 * a Liquid error in a text shows that text without its Liquid (the save route's
 * `checkSurveyTexts` reports it with its field).
 */
export function previewSurvey(def: SurveyDefinition, vars: Record<string, unknown>): SurveyPreview {
  const input = { vars, scoreUrl: (n: number) => `#score-${n}`, pageUrl: '#page', unsubscribeUrl: '#unsubscribe' };
  let email = renderSurveyEmail(def, input);
  if (!email.ok) {
    // Show the layout with the Liquid-free texts rather than nothing.
    const plain = (s: string) => renderTextOr(s, vars);
    const fallback: SurveyDefinition = { ...def, question: plain(def.question), email: def.email && { subject: plain(def.email.subject) || 'Survey', intro: plain(def.email.intro) } };
    email = renderSurveyEmail(fallback, { ...input, vars: {} });
  }
  const sms = renderSurveySms(def, vars);
  const smsText = sms.ok ? sms.value : `${renderTextOr(def.sms?.text ?? def.question, vars)}`;
  return {
    email: email.ok ? email.value : { subject: '', html: '', text: '' },
    sms: smsText,
    inapp: renderInAppSurvey(def, vars, '#page'),
    page: renderAnswerPage({ kind: 'ask', survey: def, vars, postUrl: '#answer' }),
  };
}
