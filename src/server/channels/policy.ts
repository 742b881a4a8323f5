import { durationMs } from '../../contracts/condition.js';
import type { Channel } from '../../contracts/journey.js';
import type { MessagingSettingsInput } from '../../contracts/messaging.js';
import { inDailyWindow, nextLocalTime, zoneOf } from '../lib/local-time.js';

/**
 * Whether a message may go out now: consent, suppression, frequency caps, quiet hours.
 * A pure function of what the dispatcher loaded; every "no" carries a machine-readable
 * code and a sentence, stored with the message.
 */

export type Verdict = { kind: 'send'; to: string | null } | { kind: 'skip'; code: string; reason: string } | { kind: 'delay'; until: Date; code: string; reason: string };

export interface PolicyMessage {
  channel: Channel;
  groupId: string | null;
  transactional: boolean;
  /** The webhook URL (webhook messages carry their address). */
  toAddress: string | null;
}

export interface PolicyFacts {
  traits: Record<string, unknown>;
  /** Consent by group id (and `$all:<channel>` for "unsubscribe from everything on this channel"). */
  consent: ReadonlyMap<string, boolean>;
  /** Addresses suppressed on this channel (hard bounce, complaint). */
  suppressed: ReadonlySet<string>;
  /** Groups that exist: id → opt-in. */
  groups: ReadonlyMap<string, { optIn: boolean; channel: Channel }>;
  /** Per channel, the times (ms) of this customer's non-transactional messages handed over recently. */
  sentTimes: ReadonlyMap<Channel, number[]>;
}

/** The address of a customer on a channel, from their traits. */
export function addressOf(channel: Channel, traits: Record<string, unknown>, toAddress: string | null): string | null {
  const s = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  switch (channel) {
    case 'email':
      return s(traits.email)?.toLowerCase() ?? null;
    case 'sms':
      return s(traits.phone) ?? s(traits.phone_number) ?? null;
    case 'webhook':
      return toAddress;
    case 'inapp':
      return null;
  }
}

/** The consent key for unsubscribing from everything on a channel. */
export function allGroupsKey(channel: Channel): string {
  return `$all:${channel}`;
}

export function decide(m: PolicyMessage, f: PolicyFacts, settings: MessagingSettingsInput, now: Date): Verdict {
  const to = addressOf(m.channel, f.traits, m.toAddress);
  if (m.channel !== 'inapp' && to === null) {
    const field = m.channel === 'email' ? 'an email trait' : m.channel === 'sms' ? 'a phone trait' : 'a URL';
    return { kind: 'skip', code: 'no_address', reason: `the customer has no ${field}` };
  }
  if (to !== null && f.suppressed.has(to)) return { kind: 'skip', code: 'suppressed', reason: `${to} is suppressed on ${m.channel} (an earlier hard bounce or complaint)` };
  if (m.transactional) return { kind: 'send', to };
  if (m.channel !== 'webhook') {
    if (f.consent.get(allGroupsKey(m.channel)) === false) return { kind: 'skip', code: 'unsubscribed', reason: `the customer unsubscribed from all ${m.channel} messages` };
    if (m.groupId !== null) {
      const g = f.groups.get(m.groupId);
      if (!g) return { kind: 'skip', code: 'unknown_group', reason: `subscription group "${m.groupId}" does not exist` };
      const c = f.consent.get(m.groupId);
      if (c === false) return { kind: 'skip', code: 'unsubscribed', reason: `the customer unsubscribed from "${m.groupId}"` };
      if (c === undefined && g.optIn) return { kind: 'skip', code: 'not_subscribed', reason: `"${m.groupId}" is opt-in and the customer has not subscribed` };
    }
  }
  const q = settings.quietHours;
  if (q && q.channels.includes(m.channel)) {
    const zone = zoneOf(f.traits.timezone);
    if (inDailyWindow(now, zone, q.start, q.end)) {
      if (q.action === 'skip') return { kind: 'skip', code: 'quiet_hours', reason: `quiet hours (${q.start}–${q.end} ${zone})` };
      const until = nextLocalTime(now, zone, q.end);
      return { kind: 'delay', until, code: 'quiet_hours', reason: `held for quiet hours (${q.start}–${q.end} ${zone}) until ${until.toISOString()}` };
    }
  }
  for (const cap of settings.caps) {
    if (cap.channel !== m.channel) continue;
    const since = now.getTime() - durationMs(cap.within);
    const n = (f.sentTimes.get(m.channel) ?? []).filter((t) => t > since).length;
    if (n >= cap.max) return { kind: 'skip', code: 'frequency_cap', reason: `frequency cap: ${n} ${m.channel} messages in the last ${cap.within.amount} ${cap.within.unit} (at most ${cap.max})` };
  }
  return { kind: 'send', to };
}
