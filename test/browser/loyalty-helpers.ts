import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DashboardEnv } from '../../src/test-support/browser.js';
import { basic, http, until } from '../../src/test-support/harness.js';

/** What loyalty.steps.ts does to the server outside the browser: friends' calls through the ingest API, waiting on the workers, reading balances. */

/** Two friends of the advocate: the first comes by link, the second by code at checkout with a disposable email. */
export const FRIEND1 = { userId: 'browser-friend-1', anonymousId: 'anon-browser-friend-1', email: 'ada.friend@example.org', ip: '198.51.100.23', order: 'BF-1001', revenue: 40 };
export const FRIEND2 = { userId: 'browser-friend-2', anonymousId: 'anon-browser-friend-2', email: 'sam.newcomer@mailinator.com', ip: '198.51.100.77', order: 'BF-2001', revenue: 25 };

export interface Referral {
  id: number;
  status: string;
  friend: { userId: string | null };
  override: { note: string } | null;
}

/** Let the workers that act on events and time run now (loyalty processor and sweep, referrals), as often as a step needs. */
export async function drain(env: DashboardEnv): Promise<void> {
  for (const part of ['loyalty', 'referrals'] as const) {
    const w = (env.wiring as unknown as Record<string, { drainNow?: () => Promise<void> } | null | undefined>)[part];
    await w?.drainNow?.();
  }
}

export async function balance(env: DashboardEnv, id: string): Promise<number> {
  try {
    return (await env.api<{ available: number }>(`/api/loyalty/members/${encodeURIComponent(id)}`)).available;
  } catch {
    return 0;
  }
}

/** A referral of `friend`, once `ok` holds for it (the workers drained between looks). */
export async function referralOf(env: DashboardEnv, friend: string, ok: (r: Referral) => boolean, what: string): Promise<Referral> {
  return until(
    what,
    async () => {
      await drain(env);
      const { referrals } = await env.api<{ referrals: Referral[] }>('/api/referrals?limit=500');
      const r = referrals.find((x) => x.friend.userId === friend);
      return r && ok(r) ? r : undefined;
    },
    30_000,
  );
}

/** Send the friend's visit, sign-up and first order as their site would: Segment calls with the write key. */
export async function friendVisitsAndOrders(env: DashboardEnv, f: typeof FRIEND1, landing: string | null, codeAtCheckout: string | null): Promise<void> {
  const context = { ip: f.ip, userAgent: `Mozilla/5.0 (browser test ${f.userId})` };
  const t = Date.now();
  const batch: Array<Record<string, unknown>> = [];
  if (landing) {
    const u = new URL(landing);
    batch.push({
      type: 'page',
      anonymousId: f.anonymousId,
      messageId: `${f.userId}-page`,
      timestamp: new Date(t - 3_000).toISOString(),
      properties: { url: landing, path: u.pathname, search: u.search },
      context: { ...context, page: { url: landing, path: u.pathname, search: u.search } },
    });
  }
  batch.push({ type: 'identify', userId: f.userId, anonymousId: f.anonymousId, messageId: `${f.userId}-identify`, timestamp: new Date(t - 2_000).toISOString(), traits: { email: f.email }, context });
  batch.push({
    type: 'track',
    event: 'Order Completed',
    userId: f.userId,
    anonymousId: f.anonymousId,
    messageId: `${f.userId}-order`,
    timestamp: new Date(t - 1_000).toISOString(),
    properties: { order_id: f.order, revenue: f.revenue, currency: 'USD', ...(codeAtCheckout ? { referral_code: codeAtCheckout } : {}) },
    context,
  });
  const r = await http(`${env.url}/v1/batch`, { auth: basic(env.writeKey), body: { batch } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** The number a KPI of the 360 page's Loyalty card shows, once it equals `want` (the card refetches as the page is reopened). */
export async function cardValue(page: Page, testid: string, want: number): Promise<void> {
  const kpi = page.locator(`[data-testid="${testid}"][data-value="${want}"]`);
  await kpi.waitFor({ timeout: 15_000 });
  assert.equal((await kpi.locator('.kpi-value').innerText()).replace(/,/g, ''), String(want));
}
