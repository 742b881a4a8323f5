/**
 * The answer page and the survey email in Debian's Chromium: no horizontal overflow at
 * 320 px, and the confirm page's script under its CSP — it posts the chosen score once
 * when a person's browser shows the page, never for a webdriver or a hidden page.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { SurveyDefinitionSchema, SurveyLocale, type SurveyDefinitionInput } from '../../contracts/surveys.js';
import { answerPageCsp, renderAnswerPage, renderSurveyEmail, type AnswerPageState } from './survey-render.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
if (skip && process.env.REQUIRE_BROWSER === '1') throw new Error(`browser tests are required (REQUIRE_BROWSER=1) but ${skip}`);

const survey = (d: Partial<SurveyDefinitionInput> = {}) =>
  SurveyDefinitionSchema.parse({
    type: 'nps',
    question: 'How likely are you to recommend {{ workspace.name }} to a friend or colleague?',
    followUp: { default: 'What is the main reason for your score?' },
    thankYou: { default: 'Thank you for taking the time to answer.' },
    ...d,
  });
const vars = { workspace: { name: 'Acme Incorporated International' } };

describe('answer page in Chromium', { skip }, () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  const posts: string[] = [];
  let page = '';
  let pageNonce: string | undefined;
  let onPost: (() => void) | undefined;
  /** Resolves when the server next receives a POST. */
  const nextPost = () => new Promise<void>((resolve) => (onPost = resolve));
  /** Wait until the tab shows the page after the POST (its title starts with "Thank you"). */
  async function thanked(tab: import('playwright-core').Page) {
    for (let i = 0; i < 100 && !(await tab.title().catch(() => '')).startsWith('Thank you'); i++) await tab.waitForTimeout(100);
    assert.match(await tab.title(), /^Thank you/);
  }
  const nonce = 'dGVzdG5vbmNl';

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    server = createServer((req, res) => {
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          posts.push(body);
          onPost?.();
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderAnswerPage({ kind: 'done', survey: survey(), score: 9 }));
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': answerPageCsp(pageNonce) }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Open `html` at 320 px served with the page CSP; `init` runs before the page's scripts. */
  async function open(html: string, init?: string, withNonce?: string) {
    page = html;
    pageNonce = withNonce;
    const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    if (init) await tab.addInitScript(init);
    await tab.goto(`${base}/s/tok`);
    return { tab, context, errors };
  }

  it('no horizontal overflow at 320 px in any state, type or locale; score buttons at least 24 px wide and 44 px tall', async () => {
    for (const locale of SurveyLocale.options) {
      for (const type of ['nps', 'csat', 'ces'] as const) {
        const def = survey({ type, locale });
        const states: AnswerPageState[] = [
          { kind: 'ask', survey: def, vars, postUrl: '/s/tok', brand: 'Acme' },
          { kind: 'ask', survey: def, vars, postUrl: '/s/tok', inlineComment: true },
          { kind: 'confirm', survey: def, vars, score: def.type === 'nps' ? 10 : 5, postUrl: '/s/tok', nonce },
          { kind: 'followUp', survey: def, vars, score: 2, commentUrl: '/s/tok/c' },
          { kind: 'answered', survey: def, vars, score: 2, comment: null, commentUrl: '/s/tok/c' },
          { kind: 'invalid', locale },
        ];
        for (const s of states) {
          const { tab, context } = await open(renderAnswerPage(s), 'Object.defineProperty(Navigator.prototype, "webdriver", { get: () => true })', 'nonce' in s ? s.nonce : undefined);
          const m = await tab.evaluate<{ scroll: number; client: number; minW: number; minH: number; n: number }>(`(() => {
            const sizes = [...document.querySelectorAll('.score')].map((e) => e.getBoundingClientRect());
            return {
              scroll: document.documentElement.scrollWidth,
              client: document.documentElement.clientWidth,
              minW: Math.min(...sizes.map((r) => r.width)),
              minH: Math.min(...sizes.map((r) => r.height)),
              n: sizes.length,
            };
          })()`);
          assert.ok(m.scroll <= m.client, `${locale} ${type} ${s.kind}: ${m.scroll}px wide in a ${m.client}px viewport`);
          if (m.n > 0) assert.ok(m.minW >= 24 && m.minH >= 44, `${locale} ${type} ${s.kind}: a score button is ${m.minW}×${m.minH}px`);
          await context.close();
        }
      }
    }
    assert.equal(posts.length, 0, 'a webdriver never sends');
  });

  it('the survey email fits 320 px too', async () => {
    for (const type of ['nps', 'ces'] as const) {
      const r = renderSurveyEmail(survey({ type, email: { subject: 'Quick one', intro: 'Hello,\n\nWe would love your opinion.' } }), {
        vars,
        scoreUrl: (n) => `https://t.test/s/averyveryverylongsignedtokenvalue.abcdefghijklmnopqrstuvwxyz0123456789?score=${n}`,
        pageUrl: 'https://t.test/s/tok',
        unsubscribeUrl: 'https://t.test/u/tok',
      });
      assert.ok(r.ok);
      const { tab, context } = await open(r.value.html);
      const m = await tab.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
      assert.ok(m.scroll <= m.client, `${type} email: ${m.scroll}px in ${m.client}px`);
      await context.close();
    }
  });

  it('confirm: a visible page in a person’s browser posts score=9 once under the nonce CSP', async () => {
    posts.length = 0;
    const html = renderAnswerPage({ kind: 'confirm', survey: survey(), vars, score: 9, postUrl: '/s/tok', nonce });
    const posted = nextPost();
    const { tab, context, errors } = await open(html, 'Object.defineProperty(Navigator.prototype, "webdriver", { get: () => false })', nonce);
    await posted;
    await thanked(tab);
    assert.deepEqual(posts, ['score=9']);
    assert.deepEqual(
      errors.filter((e) => /Content Security Policy/i.test(e)),
      [],
    );
    await context.close();
  });

  it('confirm: a webdriver or a hidden page never posts by itself; the visible button still sends', async () => {
    posts.length = 0;
    const html = renderAnswerPage({ kind: 'confirm', survey: survey(), vars, score: 9, postUrl: '/s/tok', nonce });
    const hidden = await open(
      html,
      'Object.defineProperty(Navigator.prototype, "webdriver", { get: () => false }); Object.defineProperty(Document.prototype, "visibilityState", { get: () => "hidden" });',
      nonce,
    );
    const robot = await open(html, 'Object.defineProperty(Navigator.prototype, "webdriver", { get: () => true })', nonce);
    await robot.tab.waitForTimeout(1500);
    assert.deepEqual(posts, []);
    const posted = nextPost();
    await robot.tab.getByRole('button', { name: 'Send my answer' }).click();
    await posted;
    await thanked(robot.tab);
    assert.deepEqual(posts, ['score=9']);
    await hidden.context.close();
    await robot.context.close();
  });
});
