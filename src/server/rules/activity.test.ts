import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { activitySettings, activitySql, isActivity } from './activity.js';

describe('activity', () => {
  it('counts the customer’s own calls and nothing done to or about them', () => {
    assert.equal(isActivity({ type: 'track', event: 'Order Completed' }), true);
    assert.equal(isActivity({ type: 'page', event: null }), true);
    assert.equal(isActivity({ type: 'screen', event: 'Home' }), true);
    assert.equal(isActivity({ event: 'Product Viewed' }), true, 'a call without a type is a track');
    assert.equal(isActivity({ type: 'identify', event: null }), false, 'a CRM trait sync');
    assert.equal(isActivity({ type: 'group', event: null }), false);
    assert.equal(isActivity({ type: 'alias', event: null }), false);
    assert.equal(isActivity({ type: 'tenure', event: 'Stage Changed' }), false);
    for (const ev of ['Email Delivered', 'Email Bounced', 'SMS Delivered', 'Message Failed', 'Unsubscribed', 'Email Marked as Spam']) {
      assert.equal(isActivity({ type: 'track', event: ev }), false, ev);
    }
  });

  it('counts clicks and not opens by default, and follows the setting', () => {
    assert.equal(isActivity({ type: 'track', event: 'Email Opened' }), false);
    assert.equal(isActivity({ type: 'track', event: 'Email Link Clicked' }), true);
    const s = { opens: true, clicks: false };
    assert.equal(isActivity({ type: 'track', event: 'Email Opened' }, s), true);
    assert.equal(isActivity({ type: 'track', event: 'Email Link Clicked' }, s), false);
  });

  it('reads a stored setting with defaults for what is missing or malformed', () => {
    assert.deepEqual(activitySettings(null), { opens: false, clicks: true });
    assert.deepEqual(activitySettings({ opens: true }), { opens: true, clicks: true });
    assert.deepEqual(activitySettings({ opens: 'yes', clicks: false }), { opens: false, clicks: false });
  });

  it('writes the same test as SQL with the setting’s names', () => {
    const def = activitySql('ev');
    assert.match(def, /^\(ev\.type IN \('track', 'page', 'screen'\)/);
    assert.ok(def.includes("'Email Opened'") && !def.includes("'Email Link Clicked'"));
    const opens = activitySql('e', { opens: true, clicks: false });
    assert.ok(!opens.includes("'Email Opened'") && opens.includes("'Email Link Clicked'"));
  });
});
