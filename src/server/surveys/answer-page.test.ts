import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SurveyDefinitionSchema, SurveyLocale, type SurveyDefinitionInput } from '../../contracts/surveys.js';
import { answerPageCsp, renderAnswerPage, type AnswerPageState } from './survey-render.js';

const survey = (d: Partial<SurveyDefinitionInput> = {}) => SurveyDefinitionSchema.parse({ type: 'nps', question: 'How likely are you to recommend {{ workspace.name }}?', ...d });
const withFollowUp = (d: Partial<SurveyDefinitionInput> = {}) =>
  survey({
    followUp: { default: 'What is the main reason for your score?', negative: 'What should we fix first?', positive: 'What do you love most?' },
    thankYou: { default: 'Thanks, noted.', negative: 'Sorry to hear that.', positive: 'Wonderful!' },
    ...d,
  });
const vars = { customer: { first_name: 'Ada' }, workspace: { name: 'Acme' } };

const count = (html: string, re: RegExp) => (html.match(new RegExp(re.source, 'g')) ?? []).length;

/** Markup-level accessibility and self-containment checks every page must pass. */
function assertAccessible(html: string, lang = 'en') {
  assert.match(html, /^<!DOCTYPE html>\n<html lang="([a-z]{2})">/);
  assert.equal(html.match(/<html lang="([a-z]{2})">/)?.[1], lang);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /<meta charset="utf-8">/);
  assert.match(html, /<title>[^<]+<\/title>/);
  assert.equal(count(html, /<h1[ >]/), 1, 'exactly one h1');
  for (const b of html.match(/<button[^>]*>[\s\S]*?<\/button>/g) ?? []) {
    const label = b.match(/aria-label="([^"]+)"/)?.[1];
    const text = b.replace(/<[^>]+>/g, '').trim();
    assert.ok(label || text, `button without an accessible name: ${b}`);
    if (label) assert.ok(label.startsWith(text), `the visible text "${text}" is the start of the accessible name "${label}"`);
  }
  for (const f of html.match(/<fieldset>[\s\S]*?<\/fieldset>/g) ?? []) assert.match(f, /^<fieldset>\n<legend>[^<]+<\/legend>/, 'a fieldset starts with its legend');
  for (const m of html.matchAll(/<textarea id="([^"]+)"/g)) assert.match(html, new RegExp(`<label for="${m[1]}">[^<]+`), 'a textarea has a label');
  for (const r of html.match(/<input type="radio"[^>]*>/g) ?? []) assert.match(r, /aria-label="[^"]+"/);
  // Self-contained: no external script, stylesheet, image or font.
  assert.ok(!/<link\b|\bsrc=|@import|url\(/i.test(html), 'no external resources');
  assert.match(html, /button:focus-visible,[^{]*\{outline:3px solid/);
  assert.match(html, /@media \(prefers-reduced-motion:reduce\)/);
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('renderAnswerPage: ask', () => {
  it('the question as h1 and one submit button per score in a POST form, with accessible names', () => {
    const html = renderAnswerPage({ kind: 'ask', survey: survey(), vars, postUrl: '/s/tok' });
    assertAccessible(html);
    assert.match(html, /<h1>How likely are you to recommend Acme\?<\/h1>/);
    assert.match(html, /<form method="post" action="\/s\/tok">/);
    const buttons = [...html.matchAll(/<button type="submit" name="score" value="(\d+)"[^>]*aria-label="([^"]+)"[^>]*>(\d+)<\/button>/g)];
    assert.deepEqual(
      buttons.map((b) => Number(b[1])),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(buttons[0]![2], '0 – Not likely');
    assert.equal(buttons[5]![2], '5 out of 10');
    assert.equal(buttons[10]![2], '10 – Very likely');
    assert.match(html, /<legend>Choose a score from 0 to 10<\/legend>/);
    assert.ok(!/<script/.test(html), 'no script on the ask page');
    assert.ok(!/<textarea/.test(html), 'no comment box without a follow-up');
  });

  it('CSAT 1–3 with the author’s end labels: 3 buttons named by them', () => {
    const html = renderAnswerPage({ kind: 'ask', survey: survey({ type: 'csat', scale: { min: 1, max: 3 }, lowLabel: 'Bad', highLabel: 'Great' }), postUrl: '/s/t' });
    assertAccessible(html);
    assert.equal(count(html, /<button type="submit" name="score"/), 3);
    assert.match(html, /aria-label="1 – Bad">1</);
    assert.match(html, /aria-label="2 out of 3">2</);
    assert.match(html, /aria-label="3 – Great">3</);
  });

  it('inlineComment with a follow-up: radios, the default follow-up as the comment’s label, one send button', () => {
    const html = renderAnswerPage({ kind: 'ask', survey: withFollowUp({ type: 'ces' }), postUrl: '/s/tok', inlineComment: true });
    assertAccessible(html);
    assert.equal(count(html, /<input type="radio" name="score" value="\d+"[^>]* required/), 7);
    assert.match(html, /<label for="comment">What is the main reason for your score\? <span class="muted">\(optional\)<\/span><\/label>\n<textarea id="comment" name="comment"/);
    assert.equal(count(html, /<button /), 1);
    assert.match(html, /<button type="submit" class="primary">Send my answer<\/button>/);
  });

  it('escapes a hostile question and traits everywhere (no <script> at all on the ask page)', () => {
    const hostile = { customer: { first_name: '<script>alert(1)</script>' }, workspace: { name: '</title><script>x()</script>' } };
    const html = renderAnswerPage({ kind: 'ask', survey: survey({ question: 'Hi {{ customer.first_name }}, rate {{ workspace.name }}' }), vars: hostile, postUrl: '/s/"x', brand: '<b>Acme</b>' });
    assert.ok(!/<script/i.test(html));
    assert.ok(!html.includes('<b>Acme'));
    assert.match(html, /<h1>Hi &lt;script&gt;alert\(1\)&lt;\/script&gt;, rate &lt;\/title&gt;&lt;script&gt;x\(\)&lt;\/script&gt;<\/h1>/);
    assert.match(html, /action="\/s\/&quot;x"/);
    assert.equal(count(html, /<\/title>/), 1);
  });
});

describe('renderAnswerPage: confirm (the email’s score link)', () => {
  const state: AnswerPageState = { kind: 'confirm', survey: survey(), vars, score: 9, postUrl: 'https://t.test/s/tok', nonce: 'n0nce123' };
  const html = renderAnswerPage(state);

  it('shows the chosen score selected and posts it by a visible "Send my answer" button', () => {
    assertAccessible(html);
    assert.match(html, /<p class="chosen">Your answer: 9<\/p>/);
    assert.match(html, /<form method="post" action="https:\/\/t\.test\/s\/tok" id="answer">/);
    assert.match(html, /<button type="submit" name="score" value="9" class="primary" id="send">Send my answer<\/button>/);
    assert.match(html, /value="9" class="score selected" aria-label="9 out of 10" aria-current="true">9</);
    assert.equal(count(html, /aria-current="true"/), 1);
    assert.match(html, /<noscript><p>Press the button to send your answer\.<\/p><\/noscript>/);
  });

  it('the script carries the nonce and sends only when visible, not a webdriver, after 300 ms, once', () => {
    const scripts = html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
    assert.equal(scripts.length, 1);
    const script = scripts[0]!;
    assert.match(script, /^<script nonce="n0nce123">/);
    assert.match(script, /navigator\.webdriver===true\)return/);
    assert.match(script, /document\.visibilityState!=='visible'\)return/);
    assert.match(script, /setTimeout\(function\(\)\{go\(\);document\.addEventListener\('visibilitychange',go\);\},300\)/);
    assert.match(script, /if\(sent\|\|/);
    assert.match(html, /<style nonce="n0nce123">/);
    assert.equal(answerPageCsp('n0nce123'), "default-src 'none'; style-src 'nonce-n0nce123'; script-src 'nonce-n0nce123'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  });

  it('never a GET link that could record: no <a href> at all, every form is POST', () => {
    assert.equal(count(html, /<a\s/), 0);
    assert.equal(count(html, /<form /), count(html, /<form method="post" /));
    assert.ok(!/score=\d/.test(html), 'no score in any URL');
    assert.ok(!/http-equiv="refresh"/i.test(html));
  });

  it('a hostile nonce cannot break out of its attribute', () => {
    const page = renderAnswerPage({ ...state, nonce: '"><script>x()</script>' } as AnswerPageState);
    assert.equal(count(page, /<script/), 1);
  });
});

describe('renderAnswerPage: after the answer', () => {
  it('followUp: the thank-you and the follow-up for the sentiment, posted as `comment` to commentUrl', () => {
    const def = withFollowUp();
    const low = renderAnswerPage({ kind: 'followUp', survey: def, score: 3, commentUrl: '/s/tok/comment' });
    assertAccessible(low);
    assert.match(low, /<h1>Thank you<\/h1>\n<p>Sorry to hear that\.<\/p>/);
    assert.match(
      low,
      /<form method="post" action="\/s\/tok\/comment">\n<label for="comment">What should we fix first\?<\/label>\n<textarea id="comment" name="comment" rows="5" maxlength="5000" required>/,
    );
    const high = renderAnswerPage({ kind: 'followUp', survey: def, score: 10, commentUrl: '/c' });
    assert.match(high, /<p>Wonderful!<\/p>/);
    assert.match(high, /<label for="comment">What do you love most\?<\/label>/);
    // A passive (7–8) has no text of its own: both fall back to default.
    const mid = renderAnswerPage({ kind: 'followUp', survey: def, score: 7, commentUrl: '/c' });
    assert.match(mid, /<p>Thanks, noted\.<\/p>/);
    assert.match(mid, /<label for="comment">What is the main reason for your score\?<\/label>/);
  });

  it('followUp on a survey without a follow-up: just the thank-you (default text)', () => {
    const html = renderAnswerPage({ kind: 'followUp', survey: survey(), score: 9, commentUrl: '/c' });
    assertAccessible(html);
    assert.match(html, /<p>Thank you for your answer\.<\/p>/);
    assert.ok(!/<form|<textarea/.test(html));
  });

  it('done: the thank-you for the sentiment (CES 1–7: 2 is negative, 6 positive), no form', () => {
    const def = withFollowUp({ type: 'ces' });
    const neg = renderAnswerPage({ kind: 'done', survey: def, score: 2 });
    assertAccessible(neg);
    assert.match(neg, /<p>Sorry to hear that\.<\/p>/);
    assert.ok(!/<form/.test(neg));
    assert.match(renderAnswerPage({ kind: 'done', survey: def, score: 6 }), /<p>Wonderful!<\/p>/);
    assert.match(renderAnswerPage({ kind: 'done', survey: def }), /<p>Thanks, noted\.<\/p>/);
  });

  it('answered: the recorded score and thank-you; the follow-up form only while there is no comment', () => {
    const def = withFollowUp();
    const open = renderAnswerPage({ kind: 'answered', survey: def, score: 9, comment: null, commentUrl: '/s/tok/comment' });
    assertAccessible(open);
    assert.match(open, /<h1>You have already answered this survey\.<\/h1>\n<p class="chosen">Your answer: 9<\/p>\n<p>Wonderful!<\/p>/);
    assert.match(open, /<label for="comment">What do you love most\?<\/label>/);
    const closed = renderAnswerPage({ kind: 'answered', survey: def, score: 9, comment: 'Great support', commentUrl: '/s/tok/comment' });
    assert.ok(!/<form|<textarea/.test(closed));
  });

  it('invalid and closed: their own message, in the survey’s or the given locale', () => {
    const invalid = renderAnswerPage({ kind: 'invalid' });
    assertAccessible(invalid);
    assert.match(invalid, /<h1>This link has expired or is not valid<\/h1>/);
    const fr = renderAnswerPage({ kind: 'invalid', locale: 'fr' });
    assertAccessible(fr, 'fr');
    assert.match(fr, /<h1>Ce lien a expiré ou n’est pas valide<\/h1>/);
    const closed = renderAnswerPage({ kind: 'closed', survey: survey({ locale: 'de' }) });
    assertAccessible(closed, 'de');
    assert.match(closed, /<h1>Diese Umfrage ist beendet<\/h1>/);
  });
});

describe('renderAnswerPage: locales and design', () => {
  it('fr: lang="fr", "Envoyer ma réponse", "Votre réponse : 9", French labels; the author’s question untouched', () => {
    const def = survey({ locale: 'fr', question: 'Recommanderiez-vous {{ workspace.name }} ?' });
    const html = renderAnswerPage({ kind: 'confirm', survey: def, vars, score: 9, postUrl: '/s', nonce: 'n' });
    assertAccessible(html, 'fr');
    assert.match(html, />Envoyer ma réponse<\/button>/);
    assert.match(html, />Votre réponse : 9</);
    assert.match(html, /aria-label="0 – Peu probable"/);
    assert.match(html, /aria-label="9 sur 10"/);
    assert.match(html, /<h1>Recommanderiez-vous Acme \?<\/h1>/);
    assert.match(html, /Envoi de votre réponse…/);
  });

  it('every locale renders every state with its own lang and no English chrome left in the page body', () => {
    const english = ['Send my answer', 'Your answer', 'Thank you', 'Choose a score', 'Not likely', 'Very likely', 'Press the button'];
    for (const locale of SurveyLocale.options) {
      const def = withFollowUp({ locale, thankYou: { default: 'T' }, followUp: { default: 'F' } });
      const states: AnswerPageState[] = [
        { kind: 'ask', survey: def, postUrl: '/a' },
        { kind: 'confirm', survey: def, score: 9, postUrl: '/a', nonce: 'n' },
        { kind: 'followUp', survey: def, score: 3, commentUrl: '/c' },
        { kind: 'done', survey: def, score: 3 },
        { kind: 'answered', survey: def, score: 3, comment: null, commentUrl: '/c' },
        { kind: 'invalid', locale },
        { kind: 'closed', survey: def },
      ];
      for (const s of states) {
        const html = renderAnswerPage(s);
        assertAccessible(html, locale);
        if (locale !== 'en') for (const w of english) assert.ok(!html.includes(w), `${locale} ${s.kind} still says "${w}"`);
      }
    }
  });

  it('colours meet WCAG contrast (AA 4.5:1 for text; the buttons’ ink and the muted text on both backgrounds)', () => {
    const html = renderAnswerPage({ kind: 'ask', survey: survey(), postUrl: '/a' });
    assert.match(html, /\.score\{[^}]*color:#1e3a8a;background:#fff;/);
    assert.match(html, /\.score\.selected,input:checked\+\.score\{color:#fff;background:#1e3a8a\}/);
    assert.match(html, /\.muted\{color:#4b5563\}/);
    assert.ok(contrast('#1e3a8a', '#ffffff') >= 7, 'score buttons: AAA');
    assert.ok(contrast('#1e3a8a', '#e0e7ff') >= 4.5, 'hovered score button');
    assert.ok(contrast('#4b5563', '#ffffff') >= 4.5 && contrast('#4b5563', '#f3f4f6') >= 4.5, 'muted text');
    assert.ok(contrast('#1f2937', '#ffffff') >= 7, 'body text');
    assert.ok(contrast('#b45309', '#ffffff') >= 3, 'focus ring (non-text: 3:1)');
  });

  it('mobile first: wide scales (NPS) wrap to 6 columns under 30rem; 1–5 stays one row', () => {
    const nps = renderAnswerPage({ kind: 'ask', survey: survey(), postUrl: '/a' });
    assert.match(nps, /\.scores\{display:grid;grid-template-columns:repeat\(11,minmax\(0,1fr\)\)/);
    assert.match(nps, /@media \(max-width:30rem\)\{\.scores\{grid-template-columns:repeat\(6,minmax\(0,1fr\)\)\}\}/);
    const csat = renderAnswerPage({ kind: 'ask', survey: survey({ type: 'csat' }), postUrl: '/a' });
    assert.match(csat, /repeat\(5,minmax\(0,1fr\)\)/);
    assert.ok(!csat.includes('max-width:30rem'));
    assert.match(nps, /\.score\{[^}]*min-height:2\.75rem/);
  });
});
