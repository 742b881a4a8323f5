import type { MergeFollower } from '../identity/customers.repo.js';
import { moveLoyalty } from '../loyalty/ledger.merge.js';
import { moveReferrals } from '../referrals/referral-merge.js';

/** The domains whose rows follow a profile merge ingestion makes: the loyalty ledger (lots, entries, members, redemptions) and referrals. */
export const MERGE_FOLLOWERS: readonly MergeFollower[] = [moveLoyalty, moveReferrals];
