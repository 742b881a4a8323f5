/** Number, money, percent and date formatting used across the dashboard (en-US grouping, workspace currency). */

export function fmtNumber(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtCompact(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
}

export function fmtMoney(v: number | null | undefined, currency = 'USD', digits?: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  try {
    return v.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: digits ?? (Math.abs(v) >= 1000 ? 0 : 2) });
  } catch {
    return `${fmtNumber(v, 2)} ${currency}`;
  }
}

/** A ratio (0.25) as a percent (25%). */
export function fmtPercent(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toLocaleString('en-US', { maximumFractionDigits: digits })}%`;
}

/** Format a value by the unit the KPI catalogue gives it (currency, count, ratio, percent, days, minutes, score). */
export function fmtUnit(v: number | null | undefined, unit: string, currency = 'USD'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'currency':
      return fmtMoney(v, currency);
    case 'ratio':
      // CLV:CAC and the like: a multiple, not a share.
      return `${fmtNumber(v, 2)}×`;
    case 'percent':
      // The API gives percentages as 0–100.
      return `${fmtNumber(v, 1)}%`;
    case 'days':
      return fmtDays(v);
    case 'minutes':
      return v < 120 ? `${fmtNumber(v, 1)} min` : `${fmtNumber(v / 60, 1)} h`;
    case 'score':
      return fmtNumber(v, 1);
    default:
      return fmtNumber(v, Math.abs(v) < 10 ? 2 : 0);
  }
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "3 days ago", "in 2 hours". */
export function fmtRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86_400 * 45) return rtf.format(Math.round(s / 86_400), 'day');
  if (abs < 86_400 * 400) return rtf.format(Math.round(s / (86_400 * 30)), 'month');
  return rtf.format(Math.round(s / (86_400 * 365)), 'year');
}

/** Days in a duration given in seconds or ms-free days, readable: "12.5 days". */
export function fmtDays(days: number | null | undefined): string {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—';
  if (days < 1) return `${fmtNumber(days * 24, 1)} h`;
  return `${fmtNumber(days, 1)} d`;
}

/** A duration in seconds, readable: 45 s, 12 min, 3.2 h, 2.1 d. */
export function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 60) return `${fmtNumber(s)} s`;
  if (s < 3600) return `${fmtNumber(s / 60, 1)} min`;
  if (s < 86_400) return `${fmtNumber(s / 3600, 1)} h`;
  return `${fmtNumber(s / 86_400, 1)} d`;
}
