import type { MergeFollower } from '../identity/customers.repo.js';
import { moveLoyalty } from '../loyalty/ledger.merge.js';
import { moveConsentRecords } from '../privacy/consent-records.js';
import { moveReferrals } from '../referrals/referral-merge.js';

/**
 * The domains whose rows follow a profile merge ingestion makes: the loyalty ledger (lots,
 * entries, members, redemptions), referrals, and the proof of consent choices.
 */
export const MERGE_FOLLOWERS: readonly MergeFollower[] = [moveLoyalty, moveReferrals, moveConsentRecords];
