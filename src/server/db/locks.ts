/**
 * Every PostgreSQL advisory-lock namespace Tenure uses, in one place. Two-key locks
 * (`pg_advisory_xact_lock(namespace, key)`) are told apart by their first key: two uses
 * sharing a namespace block each other for no reason (the customer send lock and the
 * workspace health lock once both used 30501). Add a namespace here, never a literal in a
 * query; locks.test.ts fails when two names share a number.
 *
 * Single-key locks are a separate space in PostgreSQL (they never meet two-key locks):
 * identity creation hashes (workspace, kind, value) to a bigint, and migrations take
 * MIGRATION (a constant chosen far from small hashes' typical use).
 */
export const LOCK = {
  /** Stage evaluation of customers (key: customer id). */
  stageCustomer: 30_301,
  /** Stage evaluation of accounts (key: account id). */
  stageAccount: 30_302,
  /** A segment's full computation (key: hash of workspace and segment id). */
  segment: 30_401,
  /** Segment evaluation of customers (key: customer id). */
  segmentCustomer: 30_403,
  /** Segment evaluation of accounts (key: account id). */
  segmentAccount: 30_404,
  /** Message dispatch: one customer's caps are counted by one worker at a time (key: customer id). */
  sendCustomer: 30_501,
  /** Health scores: one computation per workspace at a time (key: workspace id). */
  healthWorkspace: 30_601,
  /** The prediction schedule: one worker process at a time queues the refits that are due (key: 0). */
  predictionSchedule: 30_701,
  /** Survey invitations: one customer's fatigue rules are decided by one worker at a time (key: customer id). */
  surveyCustomer: 30_801,
  /** The loyalty ledger: one member's lots are consumed by one transaction at a time (key: customer id). */
  loyaltyCustomer: 30_901,
  /** Referrals: one advocate's rewards and caps are decided by one transaction at a time (key: advocate's customer id). */
  referralAdvocate: 31_001,
  /** The first admin: one starting process at a time looks for users and creates the first (key: 0). */
  firstAdmin: 31_101,
  /** The events table's partitions: one process at a time creates, fills or drops a month (key: 0). */
  eventPartitions: 31_201,
} as const;

/** The single-key lock held while migrations run. */
export const MIGRATION_LOCK = 7_316_142;
