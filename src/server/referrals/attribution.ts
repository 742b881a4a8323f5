/**
 * Attribution of a friend to an advocate: by link (a page or track event whose URL carries
 * `?<param>=CODE`, as the browser SDKs send page calls: properties.url / properties.search,
 * context.page.url / context.page.search) or by code at checkout (`Order Completed` with
 * `coupon` or `referral_code`). First touch wins: a friend already attributed keeps their
 * referral (the unique (workspace, friend) index enforces it under concurrency too).
 */
import type { Queryable } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import { canonicalCode } from './codes.js';
import { findActiveCode } from './codes.repo.js';
import { writeReferralEvents } from './referral-timeline.js';

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function fromSearch(search: string | null, param: string): string | null {
  if (!search) return null;
  try {
    return str(new URLSearchParams(search.startsWith('?') ? search.slice(1) : search).get(param));
  } catch {
    return null;
  }
}

function fromUrl(url: string | null, param: string): string | null {
  if (!url) return null;
  try {
    return str(new URL(url).searchParams.get(param));
  } catch {
    const q = url.indexOf('?');
    return q >= 0 ? fromSearch(url.slice(q + 1).split('#')[0] ?? '', param) : null;
  }
}

/** The referral code a page or track event's URL carries in `param` (canonical), or null. */
export function linkCodeOf(properties: Record<string, unknown>, context: Record<string, unknown>, param: string): string | null {
  const page = (context.page ?? null) as Record<string, unknown> | null;
  const found =
    fromUrl(str(properties.url), param) ??
    fromSearch(str(properties.search), param) ??
    (page && typeof page === 'object' ? (fromUrl(str(page.url), param) ?? fromSearch(str(page.search), param)) : null);
  return found ? canonicalCode(found) : null;
}

/** The codes an order names at checkout (`coupon`, `referral_code`), canonical. */
export function checkoutCodesOf(properties: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['referral_code', 'coupon']) {
    const v = str(properties[k]);
    if (v) out.push(canonicalCode(v));
  }
  return out;
}

/** What an attributing event says about who and where (kept on the referral as evidence). */
export interface AttributionEvidence {
  messageId: string;
  ip: string | null;
  userAgent: string | null;
  anonymousId: string | null;
  url: string | null;
}

/** The evidence of an event (its IP, user agent, anonymous id and page URL). */
export function evidenceOf(messageId: string, anonymousId: string | null, properties: Record<string, unknown>, context: Record<string, unknown>): AttributionEvidence {
  const page = (context.page ?? null) as Record<string, unknown> | null;
  return {
    messageId,
    ip: str(context.ip),
    userAgent: str(context.userAgent),
    anonymousId,
    url: str(properties.url) ?? (page ? str(page.url) : null),
  };
}

/**
 * Attribute `friendId` to the advocate of `code` (an active code), unless the friend has a
 * referral already. Returns the new referral's id, or null (unknown or disabled code, or
 * attributed before). Writes `Referral Attributed` on the friend's timeline.
 */
export async function attributeFriend(
  tx: Queryable,
  input: { workspaceId: number; friendId: number; code: string; via: 'link' | 'code'; at: Date; evidence: AttributionEvidence },
): Promise<number | null> {
  const code = await findActiveCode(tx, input.workspaceId, input.code);
  if (!code) return null;
  const { rows } = await tx.query<{ id: number | string }>(
    `INSERT INTO referrals (workspace_id, code, advocate_id, friend_id, via, attributed_at, evidence)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (workspace_id, friend_id) DO NOTHING RETURNING id`,
    [input.workspaceId, code.code, code.customerId, input.friendId, input.via, input.at.toISOString(), JSON.stringify(input.evidence)],
  );
  if (!rows[0]) return null;
  const id = Number(rows[0].id);
  await writeReferralEvents(tx, [
    {
      workspaceId: input.workspaceId,
      customerId: input.friendId,
      event: EV.referralAttributed,
      at: input.at,
      what: 'attributed',
      props: { referral_id: id, code: code.code, role: 'friend', via: input.via },
    },
  ]);
  return id;
}
