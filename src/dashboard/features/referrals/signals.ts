import type { FraudAction, FraudSignal, ReferralStatus } from '../../../contracts/referrals.js';

/** Each fraud signal in plain words: what it notices, for the settings and the review queue. */
export const SIGNAL_TEXT: Record<FraudSignal, { name: string; means: string }> = {
  same_customer: { name: 'Same customer', means: 'The friend and the advocate turn out to be one customer (directly, or after their profiles were merged).' },
  shared_device: { name: 'Shared device', means: 'They share an anonymous id or a device id: the same browser or phone.' },
  same_email: { name: 'Same email', means: 'Their emails are the same once case, Gmail dots and “+tags” are ignored.' },
  same_address: { name: 'Same address', means: 'Their postal addresses are the same once normalised (could be housemates).' },
  same_payment: { name: 'Same card', means: 'The same payment fingerprint (card) appears on both.' },
  same_ip_ua: { name: 'Same IP and browser', means: 'The same IP address and user agent (could be a shared office or home network).' },
  existing_customer: { name: 'Already a customer', means: 'The friend had ordered before the referral: not a new customer.' },
  advocate_velocity: { name: 'Too many referrals a day', means: 'The advocate referred more friends in one day than the limit below.' },
  ip_velocity: { name: 'Too many orders from one IP', means: 'More qualifying referral orders from one IP address in a day than the limit below.' },
  disposable_email: { name: 'Disposable email', means: 'The friend’s email domain is a throwaway-address service.' },
};

export const ACTION_TEXT: Record<FraudAction, string> = { block: 'Block', hold: 'Hold for review', off: 'Ignore' };

export const STATUS_TEXT: Record<ReferralStatus, { label: string; tone: 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'accent' }> = {
  attributed: { label: 'attributed', tone: 'info' },
  held: { label: 'held', tone: 'warn' },
  blocked: { label: 'blocked', tone: 'bad' },
  pending: { label: 'pending', tone: 'accent' },
  rewarded: { label: 'rewarded', tone: 'good' },
  void: { label: 'void', tone: 'neutral' },
  clawed_back: { label: 'clawed back', tone: 'bad' },
  expired: { label: 'expired', tone: 'neutral' },
};
