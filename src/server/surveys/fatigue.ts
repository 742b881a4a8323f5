import { createHash } from 'node:crypto';
import type { HoldReason, SurveyDefinition, SurveySettings, SurveyType } from '../../contracts/surveys.js';

/**
 * Whether a survey invitation may go now (pure: the facts and `now` come in). The rules,
 * each switched off by 0: no survey within `globalDays` of the last one sent to the customer,
 * none of the same type within `perTypeDays[type]`, none of the same survey within the
 * survey's `minDaysBetween`, none on the same channel within `perChannelDays[channel]`, none
 * before `firstSurveyDelayDays` after the customer was first seen; and the survey's sampling.
 * When several rules hold it back, the one that ends last is the reason, and its end the
 * time it is eligible again.
 */

/** One survey sent before to this customer. */
export interface SentBefore {
  surveyId: string;
  type: SurveyType;
  channel: string;
  sentAt: Date;
}

export interface InvitationFacts {
  invitationId: number;
  surveyId: string;
  type: SurveyType;
  channel: string;
  /** When the customer was first seen. */
  firstSeenAt: Date;
  /** Surveys sent to the customer before (any survey, any channel), newest first or not. */
  sent: readonly SentBefore[];
}

export type FatigueVerdict = { kind: 'send' } | { kind: 'hold'; code: HoldReason; reason: string; until: Date } | { kind: 'skip'; code: HoldReason; reason: string; until: Date | null };

const DAY = 86_400_000;
const fmt = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** Whether this invitation is in the survey's sample: a stable draw per invitation, so a held one is not drawn again. */
export function inSample(invitationId: number, surveyId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const h = createHash('sha256').update(`${surveyId}:${invitationId}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < rate;
}

/** The verdict on one invitation at `now`. */
export function decideInvitation(f: InvitationFacts, def: Pick<SurveyDefinition, 'fatigue'>, settings: SurveySettings, now: Date): FatigueVerdict {
  if (!inSample(f.invitationId, f.surveyId, def.fatigue.sampleRate)) {
    return { kind: 'skip', code: 'sampled_out', reason: `not in the survey's sample (${Math.round(def.fatigue.sampleRate * 100)}% of invitations are sent)`, until: null };
  }
  const blocks: Array<{ code: HoldReason; reason: string; until: Date }> = [];
  const last = (match: (s: SentBefore) => boolean) => {
    let t = 0;
    for (const s of f.sent) if (match(s) && s.sentAt.getTime() > t) t = s.sentAt.getTime();
    return t;
  };
  const rule = (code: HoldReason, days: number, match: (s: SentBefore) => boolean, what: string) => {
    if (days <= 0) return;
    const t = last(match);
    if (t === 0) return;
    const until = new Date(t + days * DAY);
    if (until > now) blocks.push({ code, reason: `${what} was sent on ${fmt(new Date(t))}; the rule allows one every ${days} day${days === 1 ? '' : 's'}`, until });
  };
  rule('fatigue_global', settings.globalDays, () => true, 'a survey');
  rule('fatigue_type', settings.perTypeDays[f.type], (s) => s.type === f.type, `a ${f.type.toUpperCase()} survey`);
  rule('fatigue_survey', def.fatigue.minDaysBetween, (s) => s.surveyId === f.surveyId, 'this survey');
  const perChannel = (settings.perChannelDays as Record<string, number>)[f.channel] ?? 0;
  rule('fatigue_channel', perChannel, (s) => s.channel === f.channel, `a survey by ${f.channel}`);
  if (settings.firstSurveyDelayDays > 0) {
    const until = new Date(f.firstSeenAt.getTime() + settings.firstSurveyDelayDays * DAY);
    if (until > now) blocks.push({ code: 'first_survey_delay', reason: `the customer was first seen on ${fmt(f.firstSeenAt)}; no survey in the first ${settings.firstSurveyDelayDays} days`, until });
  }
  if (blocks.length === 0) return { kind: 'send' };
  const latest = blocks.reduce((a, b) => (b.until > a.until ? b : a));
  return def.fatigue.whenHeld === 'skip' ? { kind: 'skip', ...latest } : { kind: 'hold', ...latest };
}
