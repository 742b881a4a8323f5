/**
 * A survey as a message: the email with the first question in it (one link per score, so
 * one click answers), the SMS (answered by replying with a digit) and the in-app inbox
 * item. Pure: the caller passes the customer's variables and the signed URLs.
 */
import { scaleOf, type SurveyDefinition } from '../../contracts/surveys.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { stringsFor } from './page-strings.js';
import { endLabels, esc, escLines, oneLine, renderText, renderTextOr, scoreName, scoresOf, shorten } from './survey-text.js';

/** What {@link renderSurveyEmail} needs besides the definition. */
export interface SurveyEmailInput {
  /** Template variables, as for message templates (`customer`, `workspace`, …). */
  vars: Record<string, unknown>;
  /** The signed link that answers with `score` (GET shows the confirm page; it never records by itself). */
  scoreUrl: (score: number) => string;
  /** The hosted answer page for this invitation. */
  pageUrl: string;
  unsubscribeUrl: string;
}

/** A rendered survey email. */
export interface SurveyEmail {
  subject: string;
  html: string;
  text: string;
}

type RenderFailure = Failure<'validation_failed'> & { field: string };

/** Subjects are one line of at most this many characters. */
const SUBJECT_MAX = 200;
/** An SMS survey is at most this many characters (three concatenated segments). */
export const SMS_MAX = 480;

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
/** Dark blue on white and white on dark blue: contrast above 10:1. */
const INK = '#1f2937';
const BRAND = '#1e3a8a';
const MUTED = '#4b5563';

/** The default subject: "Quick question: <the question>". */
function defaultSubject(def: SurveyDefinition, question: string): string {
  const prefix = `${stringsFor(def.locale).quickQuestion}: `;
  return prefix + shorten(oneLine(question), SUBJECT_MAX - prefix.length);
}

/** The email's subject and question, rendered (shared with the in-app item). */
function subjectAndQuestion(def: SurveyDefinition, vars: Record<string, unknown>): Result<{ subject: string; question: string }, RenderFailure> {
  const question = renderText(def.question, vars, 'question');
  if (!question.ok) return question;
  if (!def.email) return ok({ subject: defaultSubject(def, question.value), question: question.value.trim() });
  const subject = renderText(def.email.subject, vars, 'email.subject');
  if (!subject.ok) return subject;
  return ok({ subject: shorten(oneLine(subject.value), SUBJECT_MAX), question: question.value.trim() });
}

/** Paragraphs of escaped text: blank lines separate paragraphs, single line breaks stay. */
function paragraphs(text: string, style: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p style="${style}">${escLines(p)}</p>`)
    .join('\n');
}

/**
 * The survey email: the intro (if any), the question, one bulletproof button per score
 * (table cells with a background colour and a block link: they work in Gmail, Apple Mail
 * and Outlook's Word engine), the end labels under the first and last score, a link to
 * the answer page, and a visible unsubscribe link in the footer. The text part lists every
 * score with its link. Every author text and variable is HTML-escaped. The survey's links
 * carry `data-no-track` (the dispatcher's click tracking leaves them alone: an answer is
 * recorded by the answer page, and a redirect would only slow the click down).
 */
export function renderSurveyEmail(def: SurveyDefinition, input: SurveyEmailInput): Result<SurveyEmail, RenderFailure> {
  const t = stringsFor(def.locale);
  const head = subjectAndQuestion(def, input.vars);
  if (!head.ok) return head;
  const { subject, question } = head.value;
  const intro = def.email?.intro ? renderText(def.email.intro, input.vars, 'email.intro') : ok('');
  if (!intro.ok) return intro;
  const { min, max } = scaleOf(def);
  const scores = scoresOf(def);
  const labels = endLabels(def);
  const width = Math.floor(100 / scores.length);
  const p = `margin:0 0 16px;font-family:${FONT};font-size:16px;line-height:24px;color:${INK};`;

  const cells = scores
    .map(
      (n) =>
        `<td width="${width}%" align="center" valign="middle" bgcolor="${BRAND}" style="background-color:${BRAND};border:2px solid #ffffff;border-radius:6px;padding:0;">` +
        `<a href="${esc(input.scoreUrl(n))}" data-no-track data-score="${n}" title="${esc(scoreName(def, n))}" target="_blank" ` +
        `style="display:block;padding:12px 0;font-family:${FONT};font-size:16px;line-height:20px;font-weight:bold;color:#ffffff;text-decoration:none;text-align:center;border-radius:6px;">${n}</a></td>`,
    )
    .join('\n');
  const html = `<!DOCTYPE html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${esc(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f3f4f6" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="max-width:600px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:24px 16px;">
${intro.value.trim() ? paragraphs(intro.value, p) + '\n' : ''}<p style="margin:0 0 16px;font-family:${FONT};font-size:18px;line-height:26px;font-weight:bold;color:${INK};">${escLines(question)}</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;border-collapse:separate;">
<tr>
${cells}
</tr>
</table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>
<td align="left" valign="top" style="padding:6px 2px 0;font-family:${FONT};font-size:13px;line-height:18px;color:${MUTED};">${min} = ${esc(labels.low)}</td>
<td align="right" valign="top" style="padding:6px 2px 0;font-family:${FONT};font-size:13px;line-height:18px;color:${MUTED};">${max} = ${esc(labels.high)}</td>
</tr>
</table>
<p style="margin:24px 0 0;font-family:${FONT};font-size:14px;line-height:20px;color:${MUTED};"><a href="${esc(input.pageUrl)}" data-no-track target="_blank" style="color:${BRAND};text-decoration:underline;">${esc(t.answerOnWeb)}</a></p>
</td></tr>
</table>
<p style="margin:16px 0 0;font-family:${FONT};font-size:12px;line-height:18px;color:${MUTED};"><a href="${esc(input.unsubscribeUrl)}" data-no-track target="_blank" style="color:${MUTED};text-decoration:underline;">${esc(t.unsubscribe)}</a></p>
</td></tr>
</table>
</body>
</html>
`;

  const lines = scores.map((n) => `${n === min ? `${n} (${labels.low})` : n === max ? `${n} (${labels.high})` : n}: ${input.scoreUrl(n)}`);
  const text = [intro.value.trim(), question, lines.join('\n'), `${t.answerOnWeb}: ${input.pageUrl}`, `${t.unsubscribe}: ${input.unsubscribeUrl}`].filter((s) => s !== '').join('\n\n') + '\n';
  return ok({ subject, html, text });
}

/**
 * The SMS: `def.sms.text` rendered, or "<question> Reply with a number from <min> to <max>."
 * (the question shortened so the instruction always fits). At most {@link SMS_MAX}
 * characters: an author's text that renders longer is a `validation_failed`.
 */
export function renderSurveySms(def: SurveyDefinition, vars: Record<string, unknown>): Result<string, RenderFailure> {
  if (def.sms) {
    const r = renderText(def.sms.text, vars, 'sms.text');
    if (!r.ok) return r;
    const text = r.value.trim();
    if (text.length > SMS_MAX) return fail('validation_failed', `sms.text: the SMS renders to ${text.length} characters, more than ${SMS_MAX}`, { field: 'sms.text' });
    return ok(text);
  }
  const question = renderText(def.question, vars, 'question');
  if (!question.ok) return question;
  const { min, max } = scaleOf(def);
  const reply = stringsFor(def.locale).smsReply(min, max);
  return ok(`${shorten(oneLine(question.value), SMS_MAX - reply.length - 1)} ${reply}`);
}

/**
 * The in-app inbox item: the subject (as in the email), the question and a link to the
 * answer page. Cannot fail: a Liquid error shows the text without its Liquid (save-time
 * validation, `checkSurveyTexts`, keeps such texts out).
 */
export function renderInAppSurvey(def: SurveyDefinition, vars: Record<string, unknown>, answerUrl: string): { subject: string; text: string; html: string } {
  const t = stringsFor(def.locale);
  const head = subjectAndQuestion(def, vars);
  const question = head.ok ? head.value.question : renderTextOr(def.question, vars);
  const subject = head.ok ? head.value.subject : defaultSubject(def, question);
  return {
    subject,
    text: `${question}\n\n${t.answerLink}: ${answerUrl}`,
    html: `<p>${escLines(question)}</p>\n<p><a href="${esc(answerUrl)}" data-no-track>${esc(t.answerLink)}</a></p>`,
  };
}
