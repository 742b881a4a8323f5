import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { ChangeBus } from '../lib/change-bus.js';
import { Poller } from '../jobs/poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import { dispatchDue, type Senders } from '../channels/dispatcher.js';
import { SettingsCache } from '../channels/settings.repo.js';
import { JourneyDefinitions } from './definitions.js';
import { runDue } from './runner.js';
import { sweepTimeTriggers } from './time-triggers.js';
import { scanEvents } from './trigger-scanner.js';
import { sendDueInvitations } from '../surveys/survey-sender.js';
import { surveyMessages } from '../surveys/survey-messages.js';

export interface JourneyWorkerOptions {
  log?: Logger;
  senders: Senders;
  /** Base URL of this server as customers reach it (links in messages). */
  publicUrl: string;
  /** How often each loop looks for work when nothing kicked it (default 250 ms on PostgreSQL; on PGlite 1 s, 5 s for the trigger scan). */
  pollMs?: number;
  /** How often schedule and date-trait triggers are swept (default 60 s). */
  timeTriggerMs?: number;
  runBatch?: number;
  dispatchBatch?: number;
  dispatchConcurrency?: number;
  /** How long a message handed to a channel may stay unrecorded before another worker sends it again (default 60 s). */
  leaseMs?: number;
  /** The clock; a parameter so tests can move time. */
  clock?: () => Date;
  /** Gives way to the request path before each batch of every loop (lib/priority-gate.ts). */
  gate?: BackgroundGate;
}

/**
 * Journeys in this process: three loops over durable tables, each safe to run in many
 * processes at once — the trigger scanner (events → entries and signals; one process at a
 * time holds its cursor), the runner (due runs → new states and queued messages) and the
 * dispatcher (queued messages → channels). Each loop kicks the next when it made work for
 * it; all three also poll, so work made by another process is found within `pollMs`.
 */
export class JourneyWorker {
  readonly definitions = new JourneyDefinitions();
  /** What this worker did since it was made: journey steps executed, messages handed to a channel. */
  readonly totals = { steps: 0, sent: 0 };
  private readonly settings = new SettingsCache();
  private readonly clock: () => Date;
  private readonly scanner: Poller;
  private readonly runner: Poller;
  private readonly dispatcher: Poller;
  private readonly surveys: Poller;
  private timeTimer: NodeJS.Timeout | null = null;
  /** Where the journeys tell the traits and timelines they changed (set by `connect`). */
  private bus: ChangeBus | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: JourneyWorkerOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    // PGlite is this process's own database: nothing outside it makes work, so the loops
    // poll only for timers coming due (runs' waits, held messages) and as a safety net.
    const pollMs = opts.pollMs ?? (db.kind === 'pglite' ? 1_000 : 250);
    const scanPollMs = opts.pollMs ?? (db.kind === 'pglite' ? 5_000 : 250);
    const log = opts.log;
    const gate = opts.gate;
    this.scanner = new Poller(
      'journey trigger scan',
      async () => {
        const r = await scanEvents(db, this.definitions, { now: this.clock() });
        if (r && (r.entered > 0 || r.signalled > 0)) this.runner.kick();
        return r?.more ?? false;
      },
      { pollMs: scanPollMs, log, gate },
    );
    this.runner = new Poller(
      'journey runner',
      async () => {
        const r = await runDue(db, this.definitions, { now: this.clock(), batch: opts.runBatch });
        this.totals.steps += r.steps;
        if (r.messages > 0) this.dispatcher.kick();
        if (r.surveys > 0) this.surveys.kick();
        // The stage and segment work was recorded with the traits; this wakes those workers.
        for (const [workspaceId, customerIds] of r.traitsChanged) this.bus?.publish({ kind: 'traits', workspaceId, customerIds });
        if (r.runs > 0) this.scanner.kick(); // Journey Entered / Ended events may trigger others
        return r.more;
      },
      { pollMs, log, gate },
    );
    this.surveys = new Poller(
      'survey sender',
      async () => {
        const r = await sendDueInvitations(db, this.clock());
        if (r.queued > 0) this.dispatcher.kick();
        return r.more;
      },
      { pollMs, log, gate },
    );
    this.dispatcher = new Poller(
      'message dispatch',
      async () => {
        const r = await dispatchDue(db, opts.senders, this.settings, {
          now: this.clock(),
          publicUrl: opts.publicUrl,
          batch: opts.dispatchBatch,
          concurrency: opts.dispatchConcurrency,
          leaseMs: opts.leaseMs,
          surveys: surveyMessages,
        });
        this.totals.sent += r.sent;
        for (const [workspaceId, customerIds] of r.customers) this.bus?.publish({ kind: 'events', workspaceId, customerIds });
        return r.more;
      },
      // Sending waits on providers' networks: it takes no background slot, so a slow SMTP server never holds up stage and segment work.
      { pollMs, log, gate, noSlot: true },
    );
  }

  /**
   * Wake on the changes that can trigger or move journeys (new events, stage moves, segment
   * entries and exits), on edited journeys and settings and on messages queued elsewhere;
   * publish the traits and timelines the journeys change.
   */
  connect(bus: ChangeBus): void {
    this.bus = bus;
    bus.on(['events', 'stage', 'segment'], (c) => {
      // Only moves and entries or exits wrote events a journey may trigger on.
      if ((c.kind === 'stage' && (c.scope !== 'customer' || c.moves === 0)) || (c.kind === 'segment' && c.entered + c.exited === 0)) return;
      this.kick();
    });
    bus.on('journeys', (c) => this.journeysChanged(c.workspaceId));
    bus.on('messaging-settings', (c) => this.settingsChanged(c.workspaceId));
    bus.on('messages-queued', () => this.messagesQueued());
    bus.on('surveys-queued', () => this.surveys.kick());
  }

  start(): void {
    this.scanner.start();
    this.runner.start();
    this.surveys.start();
    this.dispatcher.start();
    if (!this.timeTimer) {
      const sweep = () => void this.sweepTime().catch((err: unknown) => this.opts.log?.error({ err }, 'journey time-trigger sweep failed'));
      this.timeTimer = setInterval(sweep, this.opts.timeTriggerMs ?? 60_000);
      this.timeTimer.unref();
      sweep();
    }
  }

  /** New events were committed (ingestion, stage or segment moves): look at them now. */
  kick(): void {
    this.scanner.kick();
  }

  /** A journey was published, paused or edited. */
  journeysChanged(workspaceId: number): void {
    this.definitions.invalidate();
    this.settings.invalidate(workspaceId);
    this.scanner.kick();
    this.runner.kick();
  }

  /** A message was queued outside a journey (a test send). */
  messagesQueued(): void {
    this.dispatcher.kick();
  }

  /** Messaging settings changed. */
  settingsChanged(workspaceId: number): void {
    this.settings.invalidate(workspaceId);
  }

  /** Enter customers of schedule and date-trait journeys whose time has come. */
  async sweepTime(): Promise<number> {
    const n = await sweepTimeTriggers(this.db, this.definitions, this.clock());
    if (n > 0) this.runner.kick();
    return n;
  }

  /** Run every loop until none has work (tests, one-shot commands). */
  async drain(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.scanner.drainNow();
      await this.runner.drainNow();
      await this.surveys.drainNow();
      await this.dispatcher.drainNow();
      const again = await scanEvents(this.db, this.definitions, { now: this.clock() });
      const due = await this.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM journey_runs r JOIN journeys j ON j.workspace_id = r.workspace_id AND j.id = r.journey_id AND j.status = 'live' WHERE r.wake_at <= $1)
              + (SELECT count(*) FROM messages WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 AND (status = 'queued' OR lease_until < $1))
              + (SELECT count(*) FROM survey_invitations WHERE status IN ('pending', 'held') AND eligible_at <= $1) AS n`,
        [this.clock().toISOString()],
      );
      if ((!again || (again.entered === 0 && again.signalled === 0 && !again.more)) && Number(due.rows[0]!.n) === 0) return;
    }
  }

  async stop(): Promise<void> {
    if (this.timeTimer) clearInterval(this.timeTimer);
    this.timeTimer = null;
    await Promise.all([this.scanner.stop(), this.runner.stop(), this.surveys.stop(), this.dispatcher.stop()]);
  }
}
