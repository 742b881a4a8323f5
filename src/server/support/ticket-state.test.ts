import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyAction, NEW_TICKET, type TicketState } from './ticket-state.js';
import type { SupportAction } from './actions.js';

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min));
const run = (actions: Array<Omit<SupportAction, 'ticketId'>>) => {
  let s: TicketState = NEW_TICKET;
  const out: Array<[string, string, Record<string, unknown>]> = [];
  for (const a of actions) {
    const r = applyAction(s, { ticketId: 'T', ...a }, { source: 'generic', connection_id: 'c', ticket_id: 'T' });
    s = r.state;
    for (const e of r.events) out.push([e.event, e.what, e.properties]);
  }
  return { s, out };
};

describe('ticket state', () => {
  it('a reply before the opening is told still counts from the opening; solving twice is one solve; a reopen then a solve is the second', () => {
    const { s, out } = run([
      { kind: 'replied', at: at(30), openedAt: at(0), ref: 'r1' },
      { kind: 'solved', at: at(90) },
      { kind: 'solved', at: at(95) },
      { kind: 'opened', at: at(100) },
      { kind: 'opened', at: at(101) },
      { kind: 'solved', at: at(160) },
    ]);
    assert.deepEqual(
      out.map(([e, w]) => [e, w]),
      [
        ['Ticket Created', 'created'],
        ['Ticket Replied', 'reply:r1'],
        ['Ticket Solved', 'solved:1'],
        ['Ticket Reopened', 'reopened:1'],
        ['Ticket Solved', 'solved:2'],
      ],
    );
    // 30 min to the first reply, 90 then 160 min to the solves.
    assert.equal(out[1]![2].first_response_seconds, 1800);
    assert.equal(out[2]![2].resolution_seconds, 5400);
    assert.equal(out[4]![2].resolution_seconds, 9600);
    assert.deepEqual([s.solves, s.reopens], [2, 1]);
  });

  it('a rating of 7 on 0–10 is 0.7, CSAT 1 + 4 × 0.7 = 3.8 (satisfied: above 60% of 1–5)', () => {
    const { out } = run([{ kind: 'rated', at: at(5), ref: 'x', rating: { score: 7, min: 0, max: 10 } }]);
    assert.deepEqual(out[0]![2].score, 0.7);
    assert.deepEqual([out[1]![0], out[1]![2].score, out[1]![2].band], ['Survey Responded', 3.8, 'satisfied']);
  });
});
