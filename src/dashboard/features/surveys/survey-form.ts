import { DEFAULT_SCALE, SurveyDefinitionSchema, type Sentiment, type SurveyDefinition, type SurveyDefinitionInput, type SurveyLocale, type SurveyType } from '../../../contracts/surveys.js';

/**
 * The survey editor's form: every field as the person types it (numbers as text), and the
 * conversion to the definition the API takes, with problems placed on the fields.
 */

export type PerSentimentDraft = { default: string } & Record<Sentiment, string>;

export interface SurveyDraft {
  id: string;
  name: string;
  type: SurveyType;
  scaleMin: string;
  scaleMax: string;
  question: string;
  lowLabel: string;
  highLabel: string;
  followUpOn: boolean;
  followUp: PerSentimentDraft;
  thankYou: PerSentimentDraft;
  emailSubject: string;
  emailIntro: string;
  smsText: string;
  locale: SurveyLocale;
  minDaysBetween: string;
  whenHeld: 'wait' | 'skip';
  /** The share sent, in percent. */
  samplePercent: string;
  taskEnabled: boolean;
  taskTitle: string;
  taskRole: string;
  taskDueHours: string;
  taskPer: 'customer' | 'account';
}

/** The question, labels and SMS text a new survey of a type starts with. */
export const TYPE_DEFAULTS: Record<SurveyType, { question: string; low: string; high: string; sms: (min: number, max: number) => string }> = {
  nps: {
    question: 'How likely are you to recommend {{ workspace.name }} to a friend or colleague?',
    low: 'Not at all likely',
    high: 'Extremely likely',
    sms: (min, max) => `How likely are you to recommend {{ workspace.name }}? Reply with a number from ${min} to ${max}.`,
  },
  csat: { question: 'How satisfied are you with {{ workspace.name }}?', low: 'Very unsatisfied', high: 'Very satisfied', sms: (min, max) => `How satisfied are you? Reply ${min}–${max}.` },
  ces: { question: 'How easy was it to get what you needed?', low: 'Very difficult', high: 'Very easy', sms: (min, max) => `How easy was it? Reply ${min}–${max}.` },
};

const blank = (): PerSentimentDraft => ({ default: '', negative: '', neutral: '', positive: '' });

/** A fresh survey of a type. */
export function newDraft(type: SurveyType = 'nps'): SurveyDraft {
  const t = TYPE_DEFAULTS[type];
  const s = DEFAULT_SCALE[type];
  return {
    id: '',
    name: '',
    type,
    scaleMin: String(s.min),
    scaleMax: String(s.max),
    question: t.question,
    lowLabel: t.low,
    highLabel: t.high,
    followUpOn: true,
    followUp: { ...blank(), default: 'What is the main reason for your score?', negative: 'What could we do better?' },
    thankYou: { ...blank(), default: 'Thank you for your answer.' },
    emailSubject: 'A quick question from {{ workspace.name }}',
    emailIntro: 'Hi {{ customer.first_name }}, one click is all it takes.',
    smsText: t.sms(s.min, s.max),
    locale: 'en',
    minDaysBetween: '0',
    whenHeld: 'wait',
    samplePercent: '100',
    taskEnabled: true,
    taskTitle: 'Follow up on a detractor',
    taskRole: 'success',
    taskDueHours: '48',
    taskPer: 'customer',
  };
}

/** Switch type: the scale (and the question and labels, while they are still the old type's defaults) follow. */
export function changeType(d: SurveyDraft, type: SurveyType): SurveyDraft {
  const old = TYPE_DEFAULTS[d.type];
  const t = TYPE_DEFAULTS[type];
  const s = DEFAULT_SCALE[type];
  const keep = (v: string, was: string, now: string) => (v === was ? now : v);
  return {
    ...d,
    type,
    scaleMin: String(s.min),
    scaleMax: String(s.max),
    question: keep(d.question, old.question, t.question),
    lowLabel: keep(d.lowLabel, old.low, t.low),
    highLabel: keep(d.highLabel, old.high, t.high),
    smsText: keep(d.smsText, old.sms(Number(d.scaleMin), Number(d.scaleMax)), t.sms(s.min, s.max)),
  };
}

const text = (s: string) => (s.trim() === '' ? undefined : s);
const perSentiment = (p: PerSentimentDraft) => ({
  default: p.default,
  ...(text(p.negative) ? { negative: p.negative } : {}),
  ...(text(p.neutral) ? { neutral: p.neutral } : {}),
  ...(text(p.positive) ? { positive: p.positive } : {}),
});
const num = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : (s as unknown as number));

/** The definition a draft stands for, before validation. */
export function draftToInput(d: SurveyDraft): SurveyDefinitionInput {
  return {
    type: d.type,
    ...(d.type === 'nps' ? {} : { scale: { min: num(d.scaleMin), max: num(d.scaleMax) } }),
    question: d.question,
    ...(text(d.lowLabel) ? { lowLabel: d.lowLabel } : {}),
    ...(text(d.highLabel) ? { highLabel: d.highLabel } : {}),
    ...(d.followUpOn ? { followUp: perSentiment(d.followUp) } : {}),
    thankYou: perSentiment(d.thankYou),
    ...(text(d.emailSubject) ? { email: { subject: d.emailSubject, intro: d.emailIntro } } : {}),
    ...(text(d.smsText) ? { sms: { text: d.smsText } } : {}),
    locale: d.locale,
    fatigue: { minDaysBetween: num(d.minDaysBetween), whenHeld: d.whenHeld, sampleRate: d.samplePercent.trim() === '' ? NaN : num(d.samplePercent) / 100 },
    followUpTask: { enabled: d.taskEnabled, title: d.taskTitle, assigneeRole: d.taskRole, dueHours: num(d.taskDueHours), per: d.taskPer },
  };
}

/** Which draft field a definition path (`fatigue.sampleRate`, `followUp.negative`) is edited in. */
const FIELD_OF: Array<[RegExp, string]> = [
  [/^scale\.min$/, 'scaleMin'],
  [/^scale(\.max)?$/, 'scaleMax'],
  [/^email\.subject$/, 'emailSubject'],
  [/^email\.intro$/, 'emailIntro'],
  [/^sms(\.text)?$/, 'smsText'],
  [/^fatigue\.minDaysBetween$/, 'minDaysBetween'],
  [/^fatigue\.sampleRate$/, 'samplePercent'],
  [/^followUpTask\.title$/, 'taskTitle'],
  [/^followUpTask\.assigneeRole$/, 'taskRole'],
  [/^followUpTask\.dueHours$/, 'taskDueHours'],
];

/** The draft field name for a definition path (followUp.negative stays as it is). */
export function fieldOf(path: string): string {
  return FIELD_OF.find(([re]) => re.test(path))?.[1] ?? path;
}

const WORDS: Record<string, string> = {
  samplePercent: 'a share from 0 to 100 (%)',
  minDaysBetween: 'a whole number of days from 0 to 3650',
  taskDueHours: 'a whole number of hours from 1 to 2160',
  scaleMin: 'the lowest score: 0 or 1',
  scaleMax: 'the highest score: a whole number from 2 to 10',
};

/** Validate a draft: the definition, or the problems by draft field. */
export function toDefinition(d: SurveyDraft): { ok: true; definition: SurveyDefinition } | { ok: false; errors: Record<string, string> } {
  const r = SurveyDefinitionSchema.safeParse(draftToInput(d));
  if (r.success) return { ok: true, definition: r.data };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const f = fieldOf(i.path.map(String).join('.'));
    errors[f] ??= WORDS[f] ?? (i.code === 'too_small' && i.minimum === 1 ? 'fill this in' : i.message);
  }
  return { ok: false, errors };
}

/** The validation of the create form's id and name (the definition is checked by toDefinition). */
export function identityErrors(d: SurveyDraft, isNew: boolean): Record<string, string> {
  const e: Record<string, string> = {};
  if (!d.name.trim()) e.name = 'give the survey a name';
  if (isNew && !/^[A-Za-z0-9_-]{1,64}$/.test(d.id)) e.id = 'use 1–64 letters, digits, "-" and "_"';
  return e;
}

const fromPer = (p: Partial<Record<'default' | Sentiment, string>> | undefined, fallback = ''): PerSentimentDraft => ({
  default: p?.default ?? fallback,
  negative: p?.negative ?? '',
  neutral: p?.neutral ?? '',
  positive: p?.positive ?? '',
});

/** The form for a saved survey. */
export function toDraft(s: { id: string; name: string; definition: SurveyDefinition }): SurveyDraft {
  const d = s.definition;
  const scale = d.type === 'nps' ? DEFAULT_SCALE.nps : (d.scale ?? DEFAULT_SCALE[d.type]);
  return {
    id: s.id,
    name: s.name,
    type: d.type,
    scaleMin: String(scale.min),
    scaleMax: String(scale.max),
    question: d.question,
    lowLabel: d.lowLabel ?? '',
    highLabel: d.highLabel ?? '',
    followUpOn: d.followUp !== undefined,
    followUp: fromPer(d.followUp, 'What is the main reason for your score?'),
    thankYou: fromPer(d.thankYou),
    emailSubject: d.email?.subject ?? '',
    emailIntro: d.email?.intro ?? '',
    smsText: d.sms?.text ?? '',
    locale: d.locale,
    minDaysBetween: String(d.fatigue.minDaysBetween),
    whenHeld: d.fatigue.whenHeld,
    samplePercent: String(Math.round(d.fatigue.sampleRate * 1000) / 10),
    taskEnabled: d.followUpTask.enabled,
    taskTitle: d.followUpTask.title,
    taskRole: d.followUpTask.assigneeRole,
    taskDueHours: String(d.followUpTask.dueHours),
    taskPer: d.followUpTask.per,
  };
}
