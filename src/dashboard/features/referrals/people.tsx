import type { ReferralView } from '../../../contracts/referrals.js';
import { Link } from '../../router.js';

/** A side of a referral as a link to its 360 page (userId, else the email, else the customer number). */
export function Person({ p }: { p: ReferralView['friend'] }) {
  const label = p.email ?? p.userId ?? `customer #${p.customerId}`;
  return p.userId ? <Link to={`/customers/${encodeURIComponent(p.userId)}`}>{label}</Link> : <span>{label}</span>;
}
