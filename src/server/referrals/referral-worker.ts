import type { Db } from '../db/client.js';
import { Poller } from '../jobs/poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import type { Logger } from '../log.js';
import { processReferralEvents, sweepReferrals } from './referral-processor.js';
import type { ReferralRewarder } from './referral-rewards.js';

/**
 * The worker role's referral loop: one pass of the processor (new events → attributions,
 * decisions, refunds) then the sweep (advocates due, stale attributions); more while the
 * processor says events are waiting. Kicked on the bus when events arrive (roles/wiring.ts);
 * `drainNow()` runs it to the end (tests).
 */
export function referralPoller(db: Db, opts: { log?: Logger; pollMs: number; rewarder?: ReferralRewarder; clock?: () => Date; gate?: BackgroundGate }): Poller {
  const clock = opts.clock ?? (() => new Date());
  return new Poller(
    'referral processor',
    async () => {
      const now = clock();
      const r = await processReferralEvents(db, { now, rewarder: opts.rewarder });
      await sweepReferrals(db, now, opts.rewarder);
      return r?.more === true;
    },
    { pollMs: opts.pollMs, log: opts.log, gate: opts.gate },
  );
}
