/**
 * Short names for the segment engine's statements (src/server/segments/segment-sync.ts and
 * the fact loading it shares with the stage engine), for `Timings` in the segment benches.
 */
import type { Labels } from './timed-db.js';

export const SEGMENT_LABELS: Labels = [
  [/^WITH target AS MATERIALIZED/, 'syncMembers: condition SQL ⋈ members, diff + writes'],
  [/^WITH came AS/, 'applyDecisions: write entries/exits (+ history, timeline)'],
  [/WITH ORDINALITY AS n\(name, since, before, k\)/, 'loadMomentFacts: events by horizon, first/last activity → json_agg'],
  [/pg_advisory_xact_lock_shared/, 'holdCustomers: merge-guard buckets (shared)'],
  [/^SELECT id FROM customers WHERE workspace_id = \$1 AND id = ANY/, 'holdCustomers: still there?'],
  [/json_agg\(json_build_array/, 'loadFacts: events → json_agg'],
  [/^SELECT id, traits, user_id, first_touch FROM customers/, 'loadFacts: customers'],
  [/^SELECT customer_id, array_agg\(segment_id\)/, 'loadFacts: memberships'],
  [/FROM customer_scores/, 'loadFacts: scores'],
  [/^SELECT subject_id, stage, since FROM stage_states/, 'syncMany: stage_states'],
  [/^SELECT pg_advisory_xact_lock\(30401/, 'segment advisory locks'],
  [/^SELECT pg_advisory_xact_lock\(\$1::int, l\.k\)/, 'subject advisory locks'],
  [/^SELECT workspace_id, id, name, description, kind, scope, condition/, 'getSegment / listSegments'],
  [/^SET LOCAL enable_nestloop/, 'SET LOCAL enable_nestloop = off'],
  [/^UPDATE segments SET computed_version/, 'mark segment computed'],
  [/^SELECT DISTINCT account_id FROM account_members/, "touched customers' accounts"],
  [/^BEGIN$/, 'BEGIN'],
  [/^COMMIT$/, 'COMMIT'],
];
