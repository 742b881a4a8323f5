import type { SurveyStatus, SurveyType } from '../../../contracts/surveys.js';

/** Words and tones the surveys pages share. */

export const TYPE_LABEL: Record<SurveyType, string> = { nps: 'NPS', csat: 'CSAT', ces: 'CES' };

export const STATUS_TONE: Record<SurveyStatus, 'neutral' | 'good' | 'warn'> = { draft: 'neutral', active: 'good', archived: 'warn' };

export const CHANNEL_LABEL: Record<string, string> = { email: 'Email', sms: 'SMS', inapp: 'In-app' };

/** Why an invitation was held or skipped, in words. */
export const HOLD_REASON_LABEL: Record<string, string> = {
  fatigue_global: 'surveyed recently (any survey)',
  fatigue_type: 'surveyed recently (same type)',
  fatigue_survey: 'surveyed recently (this survey)',
  fatigue_channel: 'surveyed recently (same channel)',
  first_survey_delay: 'too soon after sign-up',
  sampled_out: 'not in the sample',
  survey_inactive: 'survey not active',
  no_address: 'no address on the channel',
};
