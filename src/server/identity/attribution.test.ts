import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { channelOfCampaign, touchOf } from './attribution.js';

const at = new Date('2025-01-01T00:00:00Z');

describe('acquisition channel', () => {
  it('classifies UTM campaigns', () => {
    assert.equal(channelOfCampaign('google', 'cpc'), 'paid_search');
    assert.equal(channelOfCampaign('facebook', 'cpc'), 'paid_social');
    assert.equal(channelOfCampaign('facebook', 'paid_social'), 'paid_social');
    assert.equal(channelOfCampaign('newsletter', 'email'), 'email');
    assert.equal(channelOfCampaign('partnerx', 'affiliate'), 'affiliate');
    assert.equal(channelOfCampaign('twitter', 'social'), 'organic_social');
    assert.equal(channelOfCampaign('acme', 'banner'), 'display');
    assert.equal(channelOfCampaign('foo', 'bar'), 'other_campaign');
  });

  it('falls back to the referrer, ignoring internal navigation and direct visits', () => {
    assert.equal(touchOf({ page: { referrer: 'https://www.google.com/search?q=x', url: 'https://shop.io/' } }, {}, at)?.channel, 'organic_search');
    assert.equal(touchOf({ page: { referrer: 'https://t.co/abc' } }, {}, at)?.channel, 'organic_social');
    assert.equal(touchOf({ page: { referrer: 'https://blog.example.org/post' } }, {}, at)?.channel, 'referral');
    assert.equal(touchOf({ page: { referrer: 'https://shop.io/cart', url: 'https://shop.io/checkout' } }, {}, at), null);
    assert.equal(touchOf({}, {}, at), null);
  });

  it('prefers the campaign over the referrer and records its fields', () => {
    const t = touchOf({ campaign: { source: 'Google', medium: 'CPC', name: 'spring' }, page: { referrer: 'https://www.google.com/' } }, {}, at);
    assert.deepEqual(t, { channel: 'paid_search', source: 'google', medium: 'cpc', campaign: 'spring', referrer: 'https://www.google.com/', at: '2025-01-01T00:00:00.000Z' });
  });
});
