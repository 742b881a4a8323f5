import { DEMO_PHASE_LABELS, DEMO_PHASES, type DemoPhase, type DemoStatusView } from '../../contracts/demo.js';

/** Share of the whole preparation each step takes (measured on the default demo), for one overall percentage. */
const WEIGHT: Record<DemoPhase, number> = { data: 50, stages: 14, segments: 5, predictions: 20, journeys: 3, loyalty: 8 };
const TOTAL_WEIGHT = Object.values(WEIGHT).reduce((a, b) => a + b, 0);

/** A progress report from `seedDemo`: step `phase` has done `done` of `total`. */
export type DemoProgress = (phase: DemoPhase, done: number, total: number) => void;

/**
 * Where the background demo preparation of this process stands, for GET /api/demo/status
 * and the console. In memory: it describes this process's work, not the database.
 */
export class DemoTracker {
  private state: DemoStatusView['state'] = 'none';
  private phase: DemoPhase | null = null;
  private done = 0;
  private total = 0;
  private startedAt: Date | null = null;
  private finishedAt: Date | null = null;
  private error: string | null = null;
  private phaseStarted = new Map<DemoPhase, number>();
  private phaseSeconds = new Map<DemoPhase, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The workspace being prepared (null: none yet). */
  workspaceId: number | null = null;

  /** Preparation begins in `workspaceId`. */
  start(workspaceId: number | null = null): void {
    this.workspaceId = workspaceId;
    this.state = 'preparing';
    this.startedAt = new Date(this.now());
  }

  /** Progress within a step; moving to a later step closes the earlier ones. */
  readonly progress: DemoProgress = (phase, done, total) => {
    if (this.state !== 'preparing') return;
    if (phase !== this.phase) {
      const t = this.now();
      if (this.phase) this.phaseSeconds.set(this.phase, (t - (this.phaseStarted.get(this.phase) ?? t)) / 1000);
      this.phaseStarted.set(phase, t);
      this.phase = phase;
    }
    this.done = Math.max(0, Math.round(done));
    this.total = Math.max(0, Math.round(total));
  };

  /** Preparation finished (`error` unset) or stopped with `error`. */
  finish(error?: string): void {
    const t = this.now();
    if (this.phase) this.phaseSeconds.set(this.phase, (t - (this.phaseStarted.get(this.phase) ?? t)) / 1000);
    this.state = error === undefined ? 'ready' : 'failed';
    this.error = error ?? null;
    this.finishedAt = new Date(t);
    if (error === undefined) this.phase = null;
  }

  /** True while the demo is being prepared. */
  get preparing(): boolean {
    return this.state === 'preparing';
  }

  /** The wire view; for a workspace other than the one prepared, `none`. */
  view(workspaceId?: number): DemoStatusView {
    if (workspaceId !== undefined && this.workspaceId !== null && workspaceId !== this.workspaceId) return new DemoTracker().view();
    const current = this.phase ? DEMO_PHASES.indexOf(this.phase) : -1;
    const ready = this.state === 'ready';
    let weight = 0;
    const steps = DEMO_PHASES.map((p, i) => {
      const status = ready || i < current ? ('done' as const) : i === current && this.state === 'preparing' ? ('running' as const) : ('waiting' as const);
      if (status === 'done') weight += WEIGHT[p];
      if (status === 'running' && this.total > 0) weight += (WEIGHT[p] * Math.min(this.done, this.total)) / this.total;
      return { phase: p, label: DEMO_PHASE_LABELS[p], status, seconds: this.phaseSeconds.get(p) ?? null };
    });
    return {
      state: this.state,
      phase: this.state === 'preparing' ? this.phase : null,
      done: this.done,
      total: this.total,
      percent: this.state === 'none' ? 0 : ready ? 100 : Math.round((1000 * weight) / TOTAL_WEIGHT) / 10,
      steps,
      startedAt: this.startedAt?.toISOString() ?? null,
      finishedAt: this.finishedAt?.toISOString() ?? null,
      error: this.error,
    };
  }
}

/** One console line for a status: `preparing the demo 42% (step 2/5): Replaying … (2,000/11,500)`. */
export function describeDemoStatus(v: DemoStatusView): string {
  if (v.state === 'ready') return 'demo ready';
  if (v.state === 'failed') return `demo preparation stopped: ${v.error ?? 'unknown error'}`;
  if (v.state === 'none' || !v.phase) return 'no demo is being prepared';
  const step = DEMO_PHASES.indexOf(v.phase) + 1;
  const count = v.total > 1 ? ` (${v.done.toLocaleString('en-US')}/${v.total.toLocaleString('en-US')})` : '';
  return `preparing the demo ${v.percent.toFixed(0)}% (step ${step}/${DEMO_PHASES.length}): ${DEMO_PHASE_LABELS[v.phase]}${count}`;
}
