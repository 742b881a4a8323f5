import type { AuditQuery } from '../../../contracts/audit.js';

/** The audit page's filters as they sit in the URL: words, object type, action, actor, and days (YYYY-MM-DD). */
export interface AuditFilters {
  q: string;
  objectType: string;
  action: string;
  actor: string;
  from: string;
  to: string;
}

export const FILTER_KEYS = ['q', 'objectType', 'action', 'actor', 'from', 'to'] as const;

export function filtersFrom(search: URLSearchParams): AuditFilters {
  const get = (k: string) => search.get(k) ?? '';
  return { q: get('q'), objectType: get('objectType'), action: get('action'), actor: get('actor'), from: get('from'), to: get('to') };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (in the browser's time zone) to the instant it starts, or ends (its last millisecond). */
export function dayBound(day: string, end: boolean): string | undefined {
  if (!DAY.test(day)) return undefined;
  const d = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The API query for the filters (GET /api/audit and /api/audit.csv take the same). */
export function auditQuery(f: AuditFilters): AuditQuery {
  const q: AuditQuery = {};
  if (f.q.trim()) q.q = f.q.trim();
  if (f.objectType.trim()) q.objectType = f.objectType.trim();
  if (f.action.trim()) q.action = f.action.trim();
  if (f.actor.trim()) q.actor = f.actor.trim();
  const from = dayBound(f.from, false);
  const to = dayBound(f.to, true);
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

export const isFiltered = (f: AuditFilters) => FILTER_KEYS.some((k) => f[k] !== '');

/** Where an audited object lives in the dashboard, when it has a page. */
export function objectLink(objectType: string, objectId: string | null): string | null {
  if (!objectId) return null;
  const base: Record<string, string> = { segment: '/segments', journey: '/journeys', template: '/templates', survey: '/surveys' };
  const b = base[objectType];
  return b ? `${b}/${encodeURIComponent(objectId)}` : null;
}
