import type { KeyScope, Role } from '../../../contracts/team.js';

/** How a role reads in the dashboard. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = { owner: 'Owner', admin: 'Admin', marketer: 'Marketer', analyst: 'Analyst', support: 'Support' };

/** What a role may do, in a line. */
export const ROLE_HELP: Readonly<Record<Role, string>> = {
  owner: 'Everything, including deleting the workspace and naming other owners.',
  admin: 'Everything else: settings, keys, members, privacy and the audit log.',
  marketer: 'Segments, journeys, templates, programmes and imports; reads the rest.',
  analyst: 'Reads everything, changes nothing.',
  support: 'Customers, tasks, surveys and notes; reads the rest.',
};

export const ROLES: readonly Role[] = ['owner', 'admin', 'marketer', 'analyst', 'support'];

export const SCOPE_LABELS: Readonly<Record<KeyScope, string>> = { ingest: 'Ingest (send events)', read: 'Read (admin API reads)', admin: 'Admin (reads and writes)' };
