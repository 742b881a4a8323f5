/**
 * A ticket's state and the support events an action makes (pure: the state and the action
 * in, the new state and the events out). Each event has its place in the timeline id
 * (`support:<connection>:<ticket>:<what>`), so writing the same event twice writes it once.
 *
 * - created: the ticket's opening time (the earliest one told); `Ticket Created` once.
 * - replied: `Ticket Replied`; the first agent reply carries `first_response_seconds`.
 * - solved: when open, `Ticket Solved` with `resolution_seconds` (opening to this solve); a
 *   second "solved" of a solved ticket changes nothing.
 * - opened / reopened: when solved, `Ticket Reopened` (the reopen count grows).
 * - rated: `Ticket Rated` (score 0–1) and `Survey Responded` of type csat (1–5).
 */
import { EV } from '../../contracts/events.js';
import { bandOf, sentimentOf } from '../../contracts/surveys.js';
import type { SupportAction } from './actions.js';

export interface TicketState {
  createdAt: Date | null;
  firstResponseAt: Date | null;
  solvedAt: Date | null;
  solves: number;
  reopens: number;
  rating: number | null;
  ratedAt: Date | null;
}

export const NEW_TICKET: TicketState = { createdAt: null, firstResponseAt: null, solvedAt: null, solves: 0, reopens: 0, rating: null, ratedAt: null };

/** A support event of a ticket, kept on the ticket until it is written (see tickets.repo.ts). */
export interface StoredEvent {
  event: string;
  /** The last part of its timeline id. */
  what: string;
  at: string;
  properties: Record<string, unknown>;
}

const seconds = (from: Date | null, to: Date) => (from === null ? undefined : Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)));

/** The CSAT score 1–5 of a rating normalised to 0–1 (two decimals). */
export const csatScore = (normalised: number) => Math.round((1 + 4 * normalised) * 100) / 100;

/** Apply one action; `common`: the properties every event of this ticket carries. */
export function applyAction(state: TicketState, a: SupportAction, common: Record<string, unknown>): { state: TicketState; events: StoredEvent[] } {
  const s: TicketState = { ...state };
  const events: StoredEvent[] = [];
  const push = (event: string, what: string, at: Date, props: Record<string, unknown> = {}) => events.push({ event, what, at: at.toISOString(), properties: { ...common, ...props } });

  const opened = a.kind === 'created' ? (a.openedAt && a.openedAt < a.at ? a.openedAt : a.at) : a.openedAt;
  if (opened && (s.createdAt === null || opened < s.createdAt)) {
    const first = s.createdAt === null;
    s.createdAt = opened;
    if (first) push(EV.ticketCreated, 'created', opened);
  }
  switch (a.kind) {
    case 'replied': {
      const first = s.firstResponseAt === null;
      if (first) s.firstResponseAt = a.at;
      push(EV.ticketReplied, `reply:${a.ref ?? a.at.getTime()}`, a.at, first ? { first_response: true, first_response_seconds: seconds(s.createdAt, a.at) } : { first_response: false });
      break;
    }
    case 'solved':
      if (s.solvedAt !== null) break;
      s.solvedAt = a.at;
      s.solves += 1;
      push(EV.ticketSolved, `solved:${s.solves}`, a.at, { solve: s.solves, resolution_seconds: seconds(s.createdAt, a.at) });
      break;
    case 'opened':
    case 'reopened':
      if (s.solvedAt === null) break;
      s.solvedAt = null;
      s.reopens += 1;
      push(EV.ticketReopened, `reopened:${s.reopens}`, a.at, { reopens: s.reopens });
      break;
    case 'rated': {
      const r = a.rating!;
      const normalised = Math.round(((r.score - r.min) / (r.max - r.min)) * 1000) / 1000;
      s.rating = normalised;
      s.ratedAt = a.at;
      const ref = a.ref ?? String(a.at.getTime());
      push(EV.ticketRated, `rated:${ref}`, a.at, { score: normalised, raw_score: r.score, scale_min: r.min, scale_max: r.max, ...(r.comment ? { comment: r.comment } : {}) });
      const csat = csatScore(normalised);
      const scale = { min: 1, max: 5 };
      events.push({
        event: EV.surveyResponded,
        what: `csat:${ref}`,
        at: a.at.toISOString(),
        properties: {
          type: 'csat',
          score: csat,
          band: bandOf('csat', scale, csat),
          sentiment: sentimentOf('csat', scale, csat),
          scale_min: 1,
          scale_max: 5,
          source: common.source,
          ticket_id: common.ticket_id,
          ...(r.comment ? { comment: r.comment } : {}),
        },
      });
      break;
    }
  }
  return { state: s, events };
}
