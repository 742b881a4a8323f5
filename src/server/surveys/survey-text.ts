/**
 * What every survey rendering shares: the author's Liquid texts rendered with the
 * customer's variables by the message templates' engine (channels/templates.ts, text mode:
 * no escaping, so every HTML caller escapes the result itself), HTML escaping, the scale's
 * scores and labels, and the follow-up and thank-you texts chosen by sentiment.
 */
import { scaleOf, sentimentOf, type Sentiment, type SurveyDefinition } from '../../contracts/surveys.js';
import { renderTemplate } from '../channels/templates.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { stringsFor } from './page-strings.js';

/** A survey text rendered with `vars` (Liquid: `{{ customer.first_name }}`, `{{ workspace.name }}`); a Liquid error is a `validation_failed`. */
export function renderText(source: string, vars: Record<string, unknown>, field = 'text'): Result<string, Failure<'validation_failed'> & { field: string }> {
  if (!source.includes('{')) return ok(source);
  const r = renderTemplate({ v: 1, channel: 'sms', subject: '', text: source }, vars);
  return r.ok ? ok(r.value.text) : fail('validation_failed', `${field}: ${r.message}`, { field });
}

/** {@link renderText}, or — when the Liquid fails — the source with its Liquid markup removed (for renderers that cannot fail). */
export function renderTextOr(source: string, vars: Record<string, unknown>): string {
  const r = renderText(source, vars);
  return r.ok
    ? r.value
    : source
        .replace(/\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}/g, '')
        .replace(/\s+/g, ' ')
        .trim();
}

/** One line: line breaks and runs of white space folded (subjects). */
export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Shorten to at most `max` characters, on a word boundary where one is near, with an ellipsis. */
export function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escape text for HTML content and (double- or single-quoted) attribute values. */
export const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
/** Escaped text with its line breaks kept as `<br>`. */
export const escLines = (s: string) => esc(s).replace(/\r?\n/g, '<br>');

/** Every score of the survey's scale, lowest first. */
export function scoresOf(def: Pick<SurveyDefinition, 'type' | 'scale'>): number[] {
  const { min, max } = scaleOf(def);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** The end labels: the author's, or the locale's default for the type. */
export function endLabels(def: Pick<SurveyDefinition, 'type' | 'lowLabel' | 'highLabel' | 'locale'>): { low: string; high: string } {
  const t = stringsFor(def.locale);
  return { low: def.lowLabel ?? t.low[def.type], high: def.highLabel ?? t.high[def.type] };
}

/** The accessible name of a score's choice: "0 – Not likely", "5 out of 10", "10 – Very likely". */
export function scoreName(def: SurveyDefinition, score: number): string {
  const { min, max } = scaleOf(def);
  const labels = endLabels(def);
  if (score === min) return `${score} – ${labels.low}`;
  if (score === max) return `${score} – ${labels.high}`;
  return stringsFor(def.locale).outOf(score, max);
}

/** The sentiment of `score` under this definition. */
export const sentimentFor = (def: SurveyDefinition, score: number): Sentiment => sentimentOf(def.type, scaleOf(def), score);

/** The follow-up question for a score's sentiment (falling back to `default`); null when the survey has none. */
export function followUpFor(def: SurveyDefinition, score: number): string | null {
  if (!def.followUp) return null;
  return def.followUp[sentimentFor(def, score)] ?? def.followUp.default;
}

/** The thank-you text for a score's sentiment (falling back to `default`). */
export function thankYouFor(def: SurveyDefinition, score: number): string {
  const t = def.thankYou ?? { default: 'Thank you for your answer.' };
  return t[sentimentFor(def, score)] ?? t.default;
}

/**
 * Check every Liquid text of a definition (question, email subject and intro, SMS text,
 * follow-ups, thank-yous) by rendering it with no variables: a syntax error or an unknown
 * filter is a `validation_failed` naming the field. For the survey's save route.
 */
export function checkSurveyTexts(def: SurveyDefinition): Result<void, Failure<'validation_failed'> & { field: string }> {
  const texts: Array<[string, string | undefined]> = [
    ['question', def.question],
    ['email.subject', def.email?.subject],
    ['email.intro', def.email?.intro],
    ['sms.text', def.sms?.text],
    ...Object.entries(def.followUp ?? {}).map(([k, v]): [string, string | undefined] => [`followUp.${k}`, v]),
    ...Object.entries(def.thankYou ?? {}).map(([k, v]): [string, string | undefined] => [`thankYou.${k}`, v]),
  ];
  for (const [field, source] of texts) {
    if (!source) continue;
    const r = renderText(source, {}, field);
    if (!r.ok) return r;
  }
  return ok();
}
