/**
 * The messageIds of Tenure's own events, pinned: stored events are deduplicated (and stage
 * events deleted) by these exact strings, so each scheme must keep producing what the
 * writers produced before the ids were built in one place.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { timelineId, timelineIdSql, epochMsSql } from './timeline-id.js';

const AT = new Date('2026-03-01T12:34:56.789Z');

describe('timeline messageIds', () => {
  it('stage: tenure:stage:<subject>:<ms>:<to>', () => {
    assert.equal(timelineId({ kind: 'stage', subject: 42, ms: AT.getTime(), to: 'at_risk' }), 'tenure:stage:42:1772368496789:at_risk');
  });
  it('segment: tenure:segment:<segment>:<customer>:<ms>:<entered|exited>', () => {
    assert.equal(timelineId({ kind: 'segment', segment: 'rfm_champions', customer: 7, ms: AT.getTime(), dir: 'entered' }), 'tenure:segment:rfm_champions:7:1772368496789:entered');
    assert.equal(timelineId({ kind: 'segment', segment: 'seg_1', customer: 7, ms: AT.getTime(), dir: 'exited' }), 'tenure:segment:seg_1:7:1772368496789:exited');
  });
  it('journey: tenure:journey:<run>:<entered|ended>', () => {
    assert.equal(timelineId({ kind: 'journey', run: 901, what: 'entered' }), 'tenure:journey:901:entered');
    assert.equal(timelineId({ kind: 'journey', run: 901, what: 'ended' }), 'tenure:journey:901:ended');
  });
  it('message: tenure:message:<message>:<event name> and tenure:message:<message>:click:<url>', () => {
    assert.equal(timelineId({ kind: 'message', message: 55, what: 'Email Delivered' }), 'tenure:message:55:Email Delivered');
    assert.equal(timelineId({ kind: 'message', message: 55, what: 'click:https://shop.example/a?b=1' }), 'tenure:message:55:click:https://shop.example/a?b=1');
  });
  it('consent: tenure:consent:<customer>:<group>:<ms>:<sub|unsub>', () => {
    assert.equal(timelineId({ kind: 'consent', customer: 3, group: '$all:email', ms: AT.getTime(), change: 'unsub' }), 'tenure:consent:3:$all:email:1772368496789:unsub');
  });
  it('churn-risk: tenure:churn-risk:<customer>:<ms>', () => {
    assert.equal(timelineId({ kind: 'churn-risk', customer: 12, ms: AT.getTime() }), 'tenure:churn-risk:12:1772368496789');
  });
  it('health: tenure:health:<customer>:<ms>', () => {
    assert.equal(timelineId({ kind: 'health', customer: 12, ms: AT.getTime() }), 'tenure:health:12:1772368496789');
  });
  it('the SQL builder concatenates the same parts in the same order', () => {
    assert.equal(
      timelineIdSql('segment', { segment: '$2::text', customer: 'x.customer_id', ms: epochMsSql('$3::timestamptz'), dir: 'x.dir' }),
      `'tenure:segment:' || $2::text || ':' || x.customer_id || ':' || (extract(epoch FROM $3::timestamptz) * 1000)::bigint || ':' || x.dir`,
    );
  });
});
