/**
 * THE erasure plan: every table that can hold a customer, and how one person's rows are found
 * and removed from it. `erase-plan.db.test.ts` reads information_schema over every table of
 * the database and fails when a table has a column that can hold a customer or an identity
 * and is in neither ERASURE_PLAN nor NOT_PERSONAL, so a new table cannot be forgotten.
 *
 * The steps run in this order, in one transaction per person (erase.ts): dependants first
 * (a run's signals before the run, a task's notifications before the task, the ledger's
 * postings before its entries), the customer row last.
 */
import type { Queryable } from '../db/client.js';

/** Everything that names one person in a workspace. */
export interface ErasureSubject {
  workspaceId: number;
  /** Their customer id and every customer id merged into it (customer_merges), transitively. */
  customerIds: number[];
  userIds: string[];
  anonymousIds: string[];
  /** Lower-cased. */
  emails: string[];
  phones: string[];
}

export interface ErasureStep {
  /** How the person's rows are found (docs and the receipt's reader). */
  finds: string;
  /** Remove (or, where others' rows depend on it, anonymise) the person's rows; returns the rows changed. */
  run(tx: Queryable, s: ErasureSubject): Promise<number>;
}

const n = async (p: Promise<{ rowCount: number }>) => (await p).rowCount;

/** DELETE FROM `table` WHERE workspace_id = $1 AND `column` = ANY(customer ids). */
function byCustomer(table: string, column = 'customer_id'): ErasureStep {
  return {
    finds: `${column} is theirs`,
    run: (tx, s) => n(tx.query(`DELETE FROM ${table} WHERE workspace_id = $1 AND ${column} = ANY($2::bigint[])`, [s.workspaceId, s.customerIds])),
  };
}

/** Tables keyed by (scope, subject_id): the customer-scope rows. */
function bySubject(table: string): ErasureStep {
  return {
    finds: `scope 'customer' and subject_id is theirs`,
    run: (tx, s) => n(tx.query(`DELETE FROM ${table} WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = ANY($2::bigint[])`, [s.workspaceId, s.customerIds])),
  };
}

/** A LIKE pattern matching `v` anywhere in a text (its wildcards escaped). */
function containing(v: string): string {
  return `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every identifier value of the person, for searching free text. */
function valuesOf(s: ErasureSubject): string[] {
  return [...s.userIds, ...s.anonymousIds, ...s.emails, ...s.phones].filter((v) => v.length >= 3);
}

/** The ledger entries touching the person that also move another member's points (transfers): kept, anonymised. */
const SHARED_ENTRIES = `
  SELECT e.id FROM loyalty_entries e
   WHERE e.workspace_id = $1
     AND (e.customer_id = ANY($2::bigint[]) OR e.counterparty_id = ANY($2::bigint[])
          OR EXISTS (SELECT 1 FROM loyalty_postings p WHERE p.entry_id = e.id AND p.customer_id = ANY($2::bigint[])))
     AND EXISTS (SELECT 1 FROM loyalty_postings p WHERE p.entry_id = e.id AND p.customer_id IS NOT NULL AND NOT p.customer_id = ANY($2::bigint[]))`;

/** The person's own ledger entries (no other member's points in them): removed with their postings. */
const OWN_ENTRIES = `
  SELECT e.id FROM loyalty_entries e
   WHERE e.workspace_id = $1 AND (e.customer_id = ANY($2::bigint[]) OR e.counterparty_id = ANY($2::bigint[]))
     AND NOT EXISTS (SELECT 1 FROM loyalty_postings p WHERE p.entry_id = e.id AND p.customer_id IS NOT NULL AND NOT p.customer_id = ANY($2::bigint[]))`;

/** The person's referral rows (as advocate or friend). */
const THEIR_REFERRALS = `SELECT id FROM referrals WHERE workspace_id = $1 AND (advocate_id = ANY($2::bigint[]) OR friend_id = ANY($2::bigint[]))`;

export const ERASURE_PLAN: Readonly<Record<string, ErasureStep>> = {
  journey_signals: {
    finds: 'run_id is one of their journey runs',
    run: (tx, s) =>
      n(tx.query(`DELETE FROM journey_signals WHERE run_id IN (SELECT id FROM journey_runs WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]))`, [s.workspaceId, s.customerIds])),
  },
  journey_runs: byCustomer('journey_runs'),
  task_notifications: {
    finds: 'task_id is one of their tasks',
    run: (tx, s) =>
      n(
        tx.query(`DELETE FROM task_notifications WHERE task_id IN (SELECT id FROM tasks WHERE workspace_id = $1 AND (customer_id = ANY($2::bigint[]) OR subject_key = ANY($3::text[])))`, [
          s.workspaceId,
          s.customerIds,
          s.customerIds.map((id) => `customer:${id}`),
        ]),
      ),
  },
  tasks: {
    finds: "customer_id is theirs, or subject_key is 'customer:<their id>'",
    run: (tx, s) =>
      n(
        tx.query(`DELETE FROM tasks WHERE workspace_id = $1 AND (customer_id = ANY($2::bigint[]) OR subject_key = ANY($3::text[]))`, [
          s.workspaceId,
          s.customerIds,
          s.customerIds.map((id) => `customer:${id}`),
        ]),
      ),
  },
  messages: byCustomer('messages'),
  suppressions: {
    finds: 'address is one of their emails or phones (the channel suppression list)',
    run: (tx, s) => n(tx.query(`DELETE FROM suppressions WHERE workspace_id = $1 AND (lower(address) = ANY($2::text[]) OR address = ANY($3::text[]))`, [s.workspaceId, s.emails, s.phones])),
  },
  consents: byCustomer('consents'),
  consent_records: byCustomer('consent_records'),
  survey_responses: byCustomer('survey_responses'),
  survey_invitations: byCustomer('survey_invitations'),
  support_tickets: {
    finds: 'customer_id is theirs, or the requester is one of their emails, phones or userIds',
    run: (tx, s) =>
      n(
        tx.query(
          `DELETE FROM support_tickets WHERE workspace_id = $1
             AND (customer_id = ANY($2::bigint[]) OR lower(requester_email) = ANY($3::text[]) OR requester_phone = ANY($4::text[]) OR requester_external_id = ANY($5::text[]))`,
          [s.workspaceId, s.customerIds, s.emails, s.phones, s.userIds],
        ),
      ),
  },
  helpdesk_deliveries: {
    finds: 'customer_id is theirs, or the payload names one of their emails',
    run: (tx, s) =>
      n(
        tx.query(`DELETE FROM helpdesk_deliveries WHERE workspace_id = $1 AND (customer_id = ANY($2::bigint[]) OR lower(payload::text) LIKE ANY($3::text[]))`, [
          s.workspaceId,
          s.customerIds,
          s.emails.map(containing),
        ]),
      ),
  },
  import_rejections: {
    finds: "the rejection's message quotes one of their identifiers",
    run: (tx, s) =>
      valuesOf(s).length === 0
        ? Promise.resolve(0)
        : n(
            tx.query(`DELETE FROM import_rejections WHERE import_id IN (SELECT id FROM imports WHERE workspace_id = $1) AND (message ILIKE ANY($2::text[]) OR field ILIKE ANY($2::text[]))`, [
              s.workspaceId,
              valuesOf(s).map(containing),
            ]),
          ),
  },
  // The loyalty ledger stays balanced: an entry is removed whole (its postings sum to zero), and
  // an entry shared with another member (a transfer) is kept with the person's side moved to
  // the programme's `adjusted` account, so the other member's balance does not change.
  loyalty_postings: {
    finds: "postings of their own entries (removed); their side of a shared entry (moved to 'adjusted', customer and lot cleared)",
    run: async (tx, s) => {
      const p = [s.workspaceId, s.customerIds];
      const shared = await n(
        tx.query(`UPDATE loyalty_postings SET account = 'adjusted', customer_id = NULL, lot_id = NULL WHERE entry_id IN (${SHARED_ENTRIES}) AND customer_id = ANY($2::bigint[])`, p),
      );
      const own = await n(tx.query(`DELETE FROM loyalty_postings WHERE entry_id IN (${OWN_ENTRIES})`, p));
      return shared + own;
    },
  },
  loyalty_entries: {
    finds: 'customer_id or counterparty_id is theirs: removed, or (shared with another member) kept with them replaced by 0 / null',
    run: async (tx, s) => {
      const p = [s.workspaceId, s.customerIds];
      // Own entries first: their postings are gone, so the shared test (postings of others) sees only what is left.
      const own = await n(
        tx.query(
          `DELETE FROM loyalty_entries e WHERE e.workspace_id = $1 AND (e.customer_id = ANY($2::bigint[]) OR e.counterparty_id = ANY($2::bigint[])) AND NOT EXISTS (SELECT 1 FROM loyalty_postings p WHERE p.entry_id = e.id)`,
          p,
        ),
      );
      const shared = await n(
        tx.query(
          `UPDATE loyalty_entries SET customer_id = CASE WHEN customer_id = ANY($2::bigint[]) THEN 0 ELSE customer_id END,
                  counterparty_id = CASE WHEN counterparty_id = ANY($2::bigint[]) THEN NULL ELSE counterparty_id END, detail = '{}'::jsonb
            WHERE workspace_id = $1 AND (customer_id = ANY($2::bigint[]) OR counterparty_id = ANY($2::bigint[]))`,
          p,
        ),
      );
      return own + shared;
    },
  },
  loyalty_lots: byCustomer('loyalty_lots'),
  loyalty_redemptions: byCustomer('loyalty_redemptions'),
  loyalty_tier_changes: byCustomer('loyalty_tier_changes'),
  loyalty_members: byCustomer('loyalty_members'),
  referral_clicks: {
    finds: 'clicks of their referral codes',
    run: (tx, s) =>
      n(
        tx.query(`DELETE FROM referral_clicks WHERE workspace_id = $1 AND code IN (SELECT code FROM referral_codes WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]))`, [
          s.workspaceId,
          s.customerIds,
        ]),
      ),
  },
  referrals: {
    finds: "advocate_id or friend_id is theirs (the other side's reward entries and redemptions keep their points, their referral_id cleared)",
    run: async (tx, s) => {
      const p = [s.workspaceId, s.customerIds];
      await tx.query(`UPDATE loyalty_entries SET referral_id = NULL WHERE workspace_id = $1 AND referral_id IN (${THEIR_REFERRALS})`, p);
      await tx.query(`UPDATE loyalty_redemptions SET referral_id = NULL WHERE workspace_id = $1 AND referral_id IN (${THEIR_REFERRALS})`, p);
      return n(tx.query(`DELETE FROM referrals WHERE id IN (${THEIR_REFERRALS})`, p));
    },
  },
  referral_codes: byCustomer('referral_codes'),
  customer_scores: byCustomer('customer_scores'),
  customer_predictions: byCustomer('customer_predictions'),
  customer_recommendations: byCustomer('customer_recommendations'),
  health_scores: bySubject('health_scores'),
  health_history: bySubject('health_history'),
  stage_states: bySubject('stage_states'),
  stage_transitions: bySubject('stage_transitions'),
  segment_members: byCustomer('segment_members'),
  segment_history: byCustomer('segment_history'),
  account_members: byCustomer('account_members'),
  // The KPI facts are per customer (analytics/facts.ts): removing theirs is the aggregate re-derived.
  analytics_orders: byCustomer('analytics_orders'),
  analytics_days: byCustomer('analytics_days'),
  analytics_months: byCustomer('analytics_months'),
  analytics_customers: byCustomer('analytics_customers'),
  analytics_merges: {
    finds: 'from_customer_id or into_customer_id is theirs',
    run: (tx, s) =>
      n(tx.query(`DELETE FROM analytics_merges WHERE workspace_id = $1 AND (from_customer_id = ANY($2::bigint[]) OR into_customer_id = ANY($2::bigint[]))`, [s.workspaceId, s.customerIds])),
  },
  derived_work: {
    finds: 'customer-scope work naming them: their ids taken out of subject_ids (a row left with none is removed)',
    run: async (tx, s) => {
      const p = [s.workspaceId, s.customerIds];
      const changed = await n(
        tx.query(
          `UPDATE derived_work SET subject_ids = ARRAY(SELECT x FROM unnest(subject_ids) AS x WHERE NOT x = ANY($2::bigint[]))
            WHERE workspace_id = $1 AND scope = 'customer' AND subject_ids && $2::bigint[]`,
          p,
        ),
      );
      await tx.query(`DELETE FROM derived_work WHERE workspace_id = $1 AND scope = 'customer' AND cardinality(subject_ids) = 0`, [s.workspaceId]);
      return changed;
    },
  },
  events: {
    finds: "customer_id is theirs (removed); another member's loyalty event naming them as the transfer's counterparty (the name replaced)",
    run: async (tx, s) => {
      const own = await n(tx.query(`DELETE FROM events WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])`, [s.workspaceId, s.customerIds]));
      const labels = [...s.userIds, ...s.customerIds.map(String)];
      const named = await n(
        tx.query(
          `UPDATE events SET properties = jsonb_set(properties, '{counterparty}', '"an erased member"')
            WHERE workspace_id = $1 AND type = 'tenure' AND properties ->> 'counterparty' = ANY($2::text[])`,
          [s.workspaceId, labels],
        ),
      );
      return own + named;
    },
  },
  identities: byCustomer('identities'),
  customer_merges: {
    finds: 'from_customer_id or into_customer_id is theirs',
    run: (tx, s) =>
      n(tx.query(`DELETE FROM customer_merges WHERE workspace_id = $1 AND (from_customer_id = ANY($2::bigint[]) OR into_customer_id = ANY($2::bigint[]))`, [s.workspaceId, s.customerIds])),
  },
  customers: {
    finds: 'id is theirs',
    run: (tx, s) => n(tx.query(`DELETE FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [s.workspaceId, s.customerIds])),
  },
};

/** Tables with a column that looks personal but holds no customer, and why. */
export const NOT_PERSONAL: Readonly<Record<string, string>> = {
  accounts: "B2B accounts (a company's group traits); the person's membership is account_members",
  audit_log: "Tenure's own team's actions (append-only); its ip and before/after are the team member's, customers appear by id only",
  event_message_ids:
    'the (workspace, messageId) of each stored event, for dedupe (migration 0028): a client-made id with no customer column; a trigger removes it with its event, so erasing the events removes them',
  invitations: "invitations of Tenure's own team members (email of a colleague, not a customer)",
  memberships: "Tenure's own users' roles (user_id is a team member)",
  oidc_identities: "Tenure's own users' single sign-on links",
  password_resets: "Tenure's own users' password resets",
  sessions: "Tenure's own users' sign-in sessions (their ip and user agent)",
  users: "Tenure's own team members",
  privacy_suppressions: 'the suppression itself: salted hashes only, kept so the person is not recreated',
  privacy_requests: 'the request and its receipt: subjects as salted hashes only',
};
