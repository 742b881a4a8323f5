import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SurveyDefinitionSchema, type SurveyDefinitionInput } from '../../contracts/surveys.js';
import { checkSurveyTexts, previewSurvey, renderInAppSurvey, renderSurveyEmail, renderSurveySms } from './survey-render.js';

const survey = (d: Partial<SurveyDefinitionInput> = {}) => SurveyDefinitionSchema.parse({ type: 'nps', question: 'How likely are you to recommend {{ workspace.name }} to a friend?', ...d });
const vars = { customer: { first_name: 'Ada', traits: { first_name: 'Ada' } }, workspace: { name: 'Acme' } };
const input = { vars, scoreUrl: (n: number) => `https://t.test/s/tok?score=${n}`, pageUrl: 'https://t.test/s/tok', unsubscribeUrl: 'https://t.test/u/unsub' };

function email(d: Partial<SurveyDefinitionInput> = {}, v: Record<string, unknown> = vars) {
  const r = renderSurveyEmail(survey(d), { ...input, vars: v });
  if (!r.ok) assert.fail(`render failed: ${r.message}`);
  return r.value;
}

/** The score links of an email's HTML, in document order: [score, href]. */
const scoreLinks = (html: string) => [...html.matchAll(/<a href="([^"]*)"[^>]*data-score="(\d+)"[^>]*>(\d+)<\/a>/g)].map((m) => ({ href: m[1]!, score: Number(m[2]), label: Number(m[3]) }));

describe('renderSurveyEmail: one link per score', () => {
  const cases: Array<[string, Partial<SurveyDefinitionInput>, number[]]> = [
    ['NPS 0–10', { type: 'nps' }, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
    ['CSAT 1–5', { type: 'csat' }, [1, 2, 3, 4, 5]],
    ['CES 1–7', { type: 'ces' }, [1, 2, 3, 4, 5, 6, 7]],
    ['custom CSAT 1–3', { type: 'csat', scale: { min: 1, max: 3 } }, [1, 2, 3]],
    ['custom CSAT 0–4', { type: 'csat', scale: { min: 0, max: 4 } }, [0, 1, 2, 3, 4]],
  ];
  for (const [name, d, expected] of cases) {
    it(`${name}: exactly ${expected.length} links, in order, each to scoreUrl(score)`, () => {
      const { html, text } = email(d);
      const links = scoreLinks(html);
      assert.deepEqual(
        links.map((l) => l.score),
        expected,
      );
      assert.deepEqual(
        links.map((l) => l.label),
        expected,
      );
      assert.deepEqual(
        links.map((l) => l.href),
        expected.map((n) => `https://t.test/s/tok?score=${n}`),
      );
      // No other link points at a score URL.
      assert.equal((html.match(/score=\d+/g) ?? []).length, expected.length);
      // The text part lists every score with its link, one per line, in order.
      const lines = text.split('\n').filter((l) => /score=\d+$/.test(l));
      assert.deepEqual(
        lines.map((l) => l.replace(/ \(.*\)/, '')),
        expected.map((n) => `${n}: https://t.test/s/tok?score=${n}`),
      );
    });
  }

  it('buttons are table cells with a background colour and inline styles (bulletproof in Outlook), in one row of a fixed-layout table', () => {
    const { html } = email();
    const cells = html.match(/<td width="9%"[^>]*bgcolor="#1e3a8a"[^>]*style="[^"]*background-color:#1e3a8a[^"]*">\s*<a /g) ?? [];
    assert.equal(cells.length, 11);
    assert.match(html, /table-layout:fixed/);
    assert.ok(!/<style/i.test(html), 'no <style> block: Gmail strips some, Outlook ignores others');
    assert.ok(!/class="/.test(html), 'no classes: every style is inline');
  });

  it('low and high labels under the ends (defaults per type and locale, or the author’s)', () => {
    assert.match(email().html, />0 = Not likely<\/td>[\s\S]*>10 = Very likely<\/td>/);
    assert.match(email({ type: 'csat' }).html, />1 = Very unsatisfied<\/td>[\s\S]*>5 = Very satisfied<\/td>/);
    assert.match(email({ lowLabel: 'Never', highLabel: 'Absolutely' }).html, />0 = Never<\/td>[\s\S]*>10 = Absolutely<\/td>/);
    assert.match(email({ locale: 'de' }).html, />0 = Unwahrscheinlich<\/td>/);
  });

  it('subject and intro from def.email with Liquid variables; the intro is above the buttons', () => {
    const { subject, html, text } = email({
      email: { subject: 'A question for you, {{ customer.first_name }}', intro: 'Hi {{ customer.first_name }},\n\nThanks for being with {{ workspace.name }}.' },
    });
    assert.equal(subject, 'A question for you, Ada');
    const intro = html.indexOf('Hi Ada,');
    assert.ok(intro > 0 && intro < html.indexOf('data-score="0"'));
    assert.match(html, /Thanks for being with Acme\./);
    assert.match(html, />How likely are you to recommend Acme to a friend\?</);
    assert.ok(text.startsWith('Hi Ada,\n\nThanks for being with Acme.\n\nHow likely'));
  });

  it('without def.email: "Quick question: …" as subject (localised, one line, at most 200 characters) and no intro', () => {
    assert.equal(email().subject, 'Quick question: How likely are you to recommend Acme to a friend?');
    assert.equal(email({ locale: 'fr' }).subject, 'Petite question: How likely are you to recommend Acme to a friend?');
    const long = email({ question: `${'word '.repeat(99)}end?` }).subject;
    assert.ok(long.length <= 200 && long.endsWith('…'), long);
    const { html } = email();
    assert.equal(html.match(/<p style="[^"]*">([^<]*)</)?.[1], 'How likely are you to recommend Acme to a friend?', 'the first paragraph is the question: no intro');
  });

  it('a visible unsubscribe link in the footer and a link to the answer page; both in the text part', () => {
    const { html, text } = email();
    assert.match(html, /<a href="https:\/\/t\.test\/u\/unsub"[^>]*>Unsubscribe<\/a>/);
    assert.match(html, /<a href="https:\/\/t\.test\/s\/tok"[^>]*>Trouble with the buttons\? Answer on the web<\/a>/);
    assert.ok(html.indexOf('Unsubscribe') > html.lastIndexOf('data-score'));
    assert.match(text, /Unsubscribe: https:\/\/t\.test\/u\/unsub/);
    assert.match(text, /Answer on the web: https:\/\/t\.test\/s\/tok\n/);
    assert.match(html, /<html lang="en">/);
  });

  it('escapes hostile questions, traits and URLs: no <script> or raw quote breaks out', () => {
    const hostile = { customer: { first_name: '<script>alert(1)</script>' }, workspace: { name: '"><img src=x onerror=alert(1)>' } };
    const { html, subject, text } = email(
      { question: 'Hi {{ customer.first_name }} <b>bold</b>, recommend {{ workspace.name }}?', email: { subject: 'For {{ customer.first_name }}', intro: '{{ workspace.name }} & co' } },
      hostile,
    );
    assert.ok(!html.includes('<script'), 'a <script> in a trait never appears unescaped');
    assert.ok(!html.includes('<img'));
    assert.ok(!html.includes('<b>'));
    assert.match(html, /Hi &lt;script&gt;alert\(1\)&lt;\/script&gt; &lt;b&gt;bold&lt;\/b&gt;, recommend &quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;\?/);
    assert.match(html, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt; &amp; co/);
    assert.match(html, /<title>For &lt;script&gt;/);
    // Subject and text are plain text (not HTML): the mail client shows them as written.
    assert.equal(subject, 'For <script>alert(1)</script>');
    assert.match(text, /Hi <script>alert\(1\)<\/script> <b>bold<\/b>/);
    const r = renderSurveyEmail(survey(), { ...input, scoreUrl: (n) => `https://t.test/s?a=1&score=${n}"onclick="x` });
    assert.ok(r.ok);
    assert.ok(r.value.html.includes('href="https://t.test/s?a=1&amp;score=0&quot;onclick=&quot;x"'));
  });

  it('score, page and unsubscribe links carry data-no-track (the dispatcher’s click tracking leaves them alone)', () => {
    const links = email().html.match(/<a [^>]*>/g) ?? [];
    assert.equal(links.length, 13);
    for (const a of links) assert.match(a, /data-no-track/);
  });

  it('a Liquid error is a validation_failed naming the field', () => {
    const r = renderSurveyEmail(survey({ question: 'Hi {{ customer.first_name | nosuchfilter }}' }), input);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.code, 'validation_failed');
      assert.equal((r as { field?: string }).field, 'question');
    }
    const bad = checkSurveyTexts(survey({ thankYou: { default: 'ok', negative: '{% if %}' } }));
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.field, 'thankYou.negative');
    assert.equal(checkSurveyTexts(survey({ email: { subject: 'Hi {{ customer.first_name }}', intro: '' } })).ok, true);
  });
});

describe('renderSurveySms', () => {
  it('default: the question and how to answer, in the survey’s locale', () => {
    assert.deepEqual(renderSurveySms(survey(), vars), { ok: true, value: 'How likely are you to recommend Acme to a friend? Reply with a number from 0 to 10.' });
    assert.deepEqual(renderSurveySms(survey({ type: 'csat', question: 'Happy?', locale: 'es' }), vars), { ok: true, value: 'Happy? Responde con un número del 1 al 5.' });
    assert.deepEqual(renderSurveySms(survey({ type: 'csat', scale: { min: 1, max: 3 }, question: 'OK?' }), vars), { ok: true, value: 'OK? Reply with a number from 1 to 3.' });
  });

  it('def.sms.text rendered with the variables', () => {
    assert.deepEqual(renderSurveySms(survey({ sms: { text: '{{ workspace.name }}: 0-10, would you recommend us, {{ customer.first_name }}?' } }), vars), {
      ok: true,
      value: 'Acme: 0-10, would you recommend us, Ada?',
    });
  });

  it('at most 480 characters: a long question is shortened, the instruction kept; an author’s text rendering longer fails', () => {
    const r = renderSurveySms(survey({ question: 'x'.repeat(500) }), vars);
    assert.ok(r.ok);
    if (r.ok) {
      assert.ok(r.value.length <= 480, String(r.value.length));
      assert.ok(r.value.endsWith('… Reply with a number from 0 to 10.'));
    }
    const long = renderSurveySms(survey({ sms: { text: 'Hi {{ customer.first_name }} ' + 'y'.repeat(440) } }), { customer: { first_name: 'z'.repeat(50) } });
    assert.equal(long.ok, false);
    if (!long.ok) assert.equal(long.code, 'validation_failed');
  });
});

describe('renderInAppSurvey and previewSurvey', () => {
  it('in-app: the question and the link, escaped in the HTML', () => {
    const r = renderInAppSurvey(survey({ question: 'Rate {{ customer.first_name }}?' }), { customer: { first_name: '<i>Ada</i>' } }, 'https://t.test/s/tok?x=1&y=2');
    assert.equal(r.subject, 'Quick question: Rate <i>Ada</i>?');
    assert.equal(r.text, 'Rate <i>Ada</i>?\n\nAnswer the survey: https://t.test/s/tok?x=1&y=2');
    assert.equal(r.html, '<p>Rate &lt;i&gt;Ada&lt;/i&gt;?</p>\n<p><a href="https://t.test/s/tok?x=1&amp;y=2" data-no-track>Answer the survey</a></p>');
  });

  it('preview: every channel with #score-N placeholders; a broken Liquid text still previews', () => {
    const p = previewSurvey(survey({ type: 'ces' }), vars);
    assert.deepEqual(
      scoreLinks(p.email.html).map((l) => l.href),
      [1, 2, 3, 4, 5, 6, 7].map((n) => `#score-${n}`),
    );
    assert.equal(p.sms, 'How likely are you to recommend Acme to a friend? Reply with a number from 1 to 7.');
    assert.match(p.inapp.html, /href="#page"/);
    assert.equal((p.page.match(/<button type="submit" name="score"/g) ?? []).length, 7);
    assert.ok(!/https?:/.test(p.email.html.replace(/<!DOCTYPE[^>]*>/, '')), 'no real URL in the preview');
    const broken = previewSurvey(survey({ question: 'Rate us {{ customer.first_name | nosuch }} now' }), vars);
    assert.match(broken.email.html, />Rate us now</);
    assert.equal(scoreLinks(broken.email.html).length, 11);
  });
});
