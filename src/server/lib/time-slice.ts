/**
 * Long in-memory loops (replaying a batch of customers' stages, deciding a batch's segment
 * memberships, parsing their facts) run on the same event loop as the HTTP server. One
 * batch of 500 subjects is tens of milliseconds of synchronous work, and every request in
 * flight waits for it at each of its own awaits (a lane's transaction has several
 * statements, each answered through the event loop). A loop that checks `due` per item and
 * `pause`s when it is lets pending I/O (requests, query results) run in between, so the
 * request path waits at most about one budget per await instead of one whole batch.
 */
export class TimeSlice {
  private start = performance.now();

  /** `budgetMs`: synchronous work allowed before giving way (default 8 ms). */
  constructor(private readonly budgetMs = 8) {}

  /** Whether the work since the last pause (or construction) used the budget. */
  get due(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }

  /** Let pending I/O callbacks and timers run (setImmediate runs after them), then start a new budget. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}
