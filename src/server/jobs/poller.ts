import type { Logger } from '../log.js';
import type { BackgroundGate } from '../lib/priority-gate.js';

/**
 * A loop that drains durable work: `work` handles one batch and says whether there may be
 * more; the loop runs it until it says no, then waits for `kick` or `pollMs`. Failures are
 * logged and retried after a pause that grows while they last (capped at 30 s). One batch
 * runs at a time per poller. With a `gate`, each batch first waits for the request path to
 * leave room (see lib/priority-gate.ts).
 */
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly what: string,
    private readonly work: () => Promise<boolean>,
    private readonly opts: {
      pollMs: number;
      log?: Logger;
      gate?: BackgroundGate;
      /** Take no background slot (lib/priority-gate.ts `enter`): a loop that mostly waits on something else, such as a provider's network. */
      noSlot?: boolean;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Look for work now (or right after the batch in hand). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Run batches until there is no more work (for tests and one-shot commands); works while stopped too. */
  async drainNow(): Promise<void> {
    await this.idle();
    while (await this.work()) {
      /* more */
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      let more: boolean;
      try {
        // Background loops give way to the request path (lib/priority-gate.ts).
        if (this.opts.gate) await this.opts.gate.wait();
        if (this.stopped) return;
        const leave = this.opts.gate?.enter && !this.opts.noSlot ? await this.opts.gate.enter() : null;
        try {
          if (this.stopped) return;
          more = await this.work();
        } finally {
          leave?.();
        }
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.opts.log?.error({ err, attempt: this.failures }, `${this.what} failed; will retry`);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 100 * 2 ** this.failures)));
        more = !this.stopped;
      }
      if (!more || this.stopped) return;
    }
  }

  /** Whether a batch is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }
}
