import type { MessagingSettingsInput } from '../../../contracts/messaging.js';
import type { ChannelValue } from './options.js';

/** The messaging form's state: numbers as typed (strings) until they are checked. */
export interface CapDraft {
  channel: ChannelValue;
  max: string;
  amount: string;
  unit: 'minutes' | 'hours' | 'days' | 'weeks';
}
export interface MessagingDraft {
  caps: CapDraft[];
  quiet: boolean;
  start: string;
  end: string;
  action: 'delay' | 'skip';
  quietChannels: ChannelValue[];
  emailFrom: string;
}

/** The form's state for stored settings. */
export function toDraft(s: MessagingSettingsInput): MessagingDraft {
  return {
    caps: s.caps.map((c) => ({ channel: c.channel, max: String(c.max), amount: String(c.within.amount), unit: c.within.unit })),
    quiet: s.quietHours !== null,
    start: s.quietHours?.start ?? '21:00',
    end: s.quietHours?.end ?? '08:00',
    action: s.quietHours?.action ?? 'delay',
    quietChannels: s.quietHours?.channels ?? ['sms'],
    emailFrom: s.emailFrom ?? '',
  };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const whole = (v: string, min: number, max: number): number | null => {
  if (!/^\d+$/.test(v.trim())) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
};

/**
 * Check the form; on success the body for PUT /api/messaging/settings, else messages keyed by
 * the server's field names (`caps.0.max`, `quietHours.start`, `emailFrom`…).
 */
export function fromDraft(d: MessagingDraft): { ok: true; body: MessagingSettingsInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const caps = d.caps.map((c, i) => {
    const max = whole(c.max, 0, 10_000);
    const amount = whole(c.amount, 1, 100_000);
    if (max === null) errors[`caps.${i}.max`] = 'A whole number from 0 to 10,000 (0 blocks the channel).';
    if (amount === null) errors[`caps.${i}.within.amount`] = 'A whole number from 1 to 100,000.';
    return { channel: c.channel, max: max ?? 0, within: { amount: amount ?? 1, unit: c.unit } };
  });
  if (caps.length > 20) errors.caps = 'At most 20 caps.';
  if (d.quiet) {
    if (!TIME.test(d.start)) errors['quietHours.start'] = 'A time of day as HH:MM, e.g. 21:00.';
    if (!TIME.test(d.end)) errors['quietHours.end'] = 'A time of day as HH:MM, e.g. 08:00.';
    if (d.start === d.end && TIME.test(d.start)) errors['quietHours.end'] = 'Quiet hours need an end different from their start.';
    if (d.quietChannels.length === 0) errors['quietHours.channels'] = 'Choose at least one channel.';
  }
  const from = d.emailFrom.trim();
  if (from && (from.length < 3 || from.length > 300)) errors.emailFrom = 'From 3 to 300 characters, e.g. Coffee Co <hello@coffee.example>.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      caps,
      quietHours: d.quiet ? { start: d.start, end: d.end, action: d.action, channels: d.quietChannels } : null,
      emailFrom: from || null,
    },
  };
}
