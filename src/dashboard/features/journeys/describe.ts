import type { Duration } from '../../../contracts/condition.js';
import type { EventMatch, JourneyDefinition, Step, Trigger } from '../../../contracts/journey.js';
import { idsOnly, type Names } from '../../components/names.js';

/** Words for journeys: what starts one, what each step does (used by the list and the canvas). */

/** "2 days", "1 hour". */
export function durationText(d: Duration | undefined): string {
  if (!d || typeof d.amount !== 'number') return '—';
  const unit = d.amount === 1 ? d.unit.replace(/s$/, '') : d.unit;
  return `${d.amount} ${unit}`;
}

function eventText(e: EventMatch | undefined): string {
  if (!e?.name) return 'an event (not chosen yet)';
  return e.where?.length ? `${e.name} (${e.where.length} filter${e.where.length === 1 ? '' : 's'})` : e.name;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Weekdays 1–7 as "Mon–Fri" style text (a list when not a run). */
export function weekdaysText(days: number[] | undefined): string {
  if (!days?.length) return 'every day';
  const s = [...days].sort((a, b) => a - b);
  const run = s.every((d, i) => i === 0 || d === s[i - 1]! + 1);
  if (run && s.length > 2) return `${WEEKDAYS[s[0]! - 1]}–${WEEKDAYS[s[s.length - 1]! - 1]}`;
  return s.map((d) => WEEKDAYS[d - 1] ?? d).join(', ');
}

/** What puts customers into a journey, in words (segments and stages by name when `names` knows them). */
export function triggerSummary(t: Trigger | undefined, names: Names = idsOnly): string {
  if (!t) return '—';
  const seg = (id: string) => (id ? names('segment', id) : '…');
  const stage = (key: string) => (key ? names('stage', key) : '…');
  if ('event' in t) return `Event: ${eventText(t.event)}`;
  if ('stageEntered' in t) return `Enters stage ${stage(t.stageEntered.stage)}`;
  if ('stageExited' in t) return `Leaves stage ${stage(t.stageExited.stage)}`;
  if ('segmentEntered' in t) return `Joins segment ${seg(t.segmentEntered.segment)}`;
  if ('segmentExited' in t) return `Leaves segment ${seg(t.segmentExited.segment)}`;
  if ('dateTrait' in t) {
    const o = t.dateTrait.offsetDays;
    return `Date in ${t.dateTrait.trait || '…'}${o ? ` ${o < 0 ? '−' : '+'} ${Math.abs(o)} days` : ''} at ${t.dateTrait.at ?? '09:00'} UTC`;
  }
  if ('schedule' in t) return `Every ${weekdaysText(t.schedule.weekdays)} at ${t.schedule.at} (workspace time): segment ${seg(t.schedule.segment)}`;
  if ('broadcast' in t)
    return `Once to segment ${seg(t.broadcast.segment)}, ${t.broadcast.at ? `at ${t.broadcast.at.replace('T', ' ')} (${t.broadcast.zone === 'customer' ? "each customer's time" : 'workspace time'})` : 'when published'}`;
  return 'Unknown trigger';
}

/** The goal of a journey, in words (or null without one). */
export function goalSummary(def: JourneyDefinition): string | null {
  const g = def.goal;
  if (!g) return null;
  return g.event ? `Goal: ${eventText(g.event)}` : 'Goal: a condition';
}

/** One line on what a step does (its template by name when `names` knows it). */
export function stepSummary(s: Step, names: Names = idsOnly): string {
  switch (s.type) {
    case 'wait':
      return `Wait ${durationText(s.duration)}`;
    case 'waitUntil':
      return `Until ${s.time || '…'} (${weekdaysText(s.weekdays)}, their time)`;
    case 'waitFor':
      return `${s.event ? eventText(s.event) : 'A condition'}, up to ${durationText(s.timeout)}`;
    case 'branch':
      return s.branches.length === 1 ? 'If the condition holds' : `${s.branches.length} conditions, first match`;
    case 'split':
      return `${s.variants.length} variant${s.variants.length === 1 ? '' : 's'}${s.holdout ? ` + ${s.holdout.weight} holdout` : ''}`;
    case 'send':
      return `${s.channel}: ${s.template ? names('template', s.template) : 'no template chosen'}`;
    case 'task':
      return `${s.title || 'Untitled task'} → ${s.assigneeRole || '…'}`;
    case 'survey':
      return `${s.channel} survey: ${s.survey || 'no survey chosen'}`;
    case 'updateTraits':
      return `Set ${Object.keys(s.set ?? {}).join(', ') || 'no traits yet'}`;
    case 'webhook':
      return s.url ? `POST ${s.url}` : 'No URL yet';
    case 'exit':
      return 'End of the journey';
  }
}
