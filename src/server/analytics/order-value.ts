import { numProp } from './query.js';
import { EV } from '../../contracts/events.js';

/**
 * One order value for every consumer (KPIs, RFM, CLV, churn features): what an order or a
 * refund is worth, read from its event's properties the same way everywhere.
 *
 * - an order (`Order Completed`) is worth its `revenue`, else its `total`, else nothing;
 * - a refund (`Order Refunded`) its `revenue`, else `total`, else `amount`, else nothing (a
 *   refund naming only its `order_id` refunds that order's whole value — see NET_VALUE);
 * - a value is a JSON number or a numeric string (`"5000.00"`); anything else is no value.
 *
 * Amounts are in the workspace's currency (workspaces.currency); an event's own `currency`
 * is not converted.
 */
export const ORDER_EVENT = EV.orderCompleted;
export const REFUND_EVENT = EV.orderRefunded;
export const ORDER_VALUE_PROPERTIES = ['revenue', 'total'] as const;
export const REFUND_VALUE_PROPERTIES = ['revenue', 'total', 'amount'] as const;

const NUMERIC = /^\s*-?[0-9]+(\.[0-9]+)?\s*$/;

/** A property value as a number (a JSON number or a numeric string), else null — as `numJson` does in SQL. */
export function numericValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return null;
}

/** The value of an order event's properties, or null when it states none. */
export function orderValueOf(properties: Record<string, unknown>): number | null {
  for (const p of ORDER_VALUE_PROPERTIES) {
    const v = numericValue(properties[p]);
    if (v !== null) return v;
  }
  return null;
}

/** SQL: the value of the order event `alias` (null when it states none). */
export function orderValueSql(alias: string): string {
  return `coalesce(${ORDER_VALUE_PROPERTIES.map((p) => numProp(alias, p)).join(', ')})`;
}

/** SQL: the stated value of the refund event `alias` (null: the whole order). */
export function refundValueSql(alias: string): string {
  return `coalesce(${REFUND_VALUE_PROPERTIES.map((p) => numProp(alias, p)).join(', ')})`;
}
