/**
 * The customer's loyalty page in Debian's Chromium: no horizontal overflow at 320 px with
 * long names, codes and links; its style applies under the nonce CSP; the Redeem button
 * posts the reward and the page's key.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { CustomerLoyaltyView } from '../../contracts/loyalty.js';
import { loyaltyPageCsp, renderLoyaltyPage } from './customer-page.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
if (skip && process.env.REQUIRE_BROWSER === '1') throw new Error(`browser tests are required (REQUIRE_BROWSER=1) but ${skip}`);

const view: CustomerLoyaltyView = {
  programme: 'The Extraordinarily Long-Named Loyalty Programme of Acme Incorporated',
  pointsName: 'points',
  available: 1_234_567,
  pending: 250,
  tier: { name: 'Platinum Deluxe', benefits: { free_shipping: true, birthday_gift: 'A surprise every year', priority_support_line: 'yes' } },
  expiringSoon: { points: 120, at: '2027-01-15T00:00:00.000Z' },
  rewards: [
    {
      id: 'ten',
      name: '€10 off your next order of anything whatsoever in the whole shop',
      description: 'A discount code, valid for 90 days, on every product and every brand we sell.',
      cost: 1000,
      affordable: true,
    },
    { id: 'big', name: 'Weekend trip', description: '', cost: 99_999_999, affordable: false },
  ],
  redemptions: [{ rewardName: 'Coffee', code: 'AVERYLONGDISCOUNTCODEWITHOUTANYBREAKSATALL1234567890ABCDEFGHIJKLMN', at: '2026-11-01T10:00:00.000Z', status: 'issued' }],
  referral: { code: 'ANN-VANITY', link: 'https://shop.example.com/r/acme-incorporated-international/ANN-VANITY-CODE-THAT-IS-LONG' },
};

describe('loyalty page in Chromium', { skip }, () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  const posts: string[] = [];
  const nonce = 'bG95YWx0eW5vbmNl';

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    server = createServer((req, res) => {
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          posts.push(body);
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        });
        return;
      }
      const html = renderLoyaltyPage({ view, brand: 'Acme', redeemUrl: '/l/tok/redeem', keys: { ten: 'key-ten', big: 'key-big' }, nonce });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': loyaltyPageCsp(nonce) }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server.close(r));
  });

  it('fits 320 px, styled under its CSP, and posts the reward with its key', async () => {
    const tab = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await tab.goto(`${base}/l/tok`);
    const { scroll, bg, disabled } = await tab.evaluate<{ scroll: number; bg: string; disabled: boolean }>(
      "({ scroll: document.documentElement.scrollWidth, bg: getComputedStyle(document.body).backgroundColor, disabled: document.querySelectorAll('button')[1].disabled })",
    );
    assert.ok(scroll <= 320, `page is ${scroll}px wide`);
    assert.equal(bg, 'rgb(243, 244, 246)', 'the nonce’d style applies');
    assert.equal(disabled, true);
    await tab.click('button:not([disabled])');
    for (let i = 0; i < 50 && posts.length === 0; i++) await tab.waitForTimeout(50);
    assert.deepEqual(posts, ['rewardId=ten&key=key-ten']);
    await tab.close();
  });
});
