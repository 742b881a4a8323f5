/**
 * The hosted answer page: one self-contained HTML document per state (own inline CSS, no
 * external resources), mobile first (readable at 320 px), accessible (`<html lang>`, one
 * h1, the scores as a fieldset with a legend and real buttons with accessible names,
 * visible focus, contrast above 7:1, reduced motion respected). The page's own words come
 * from page-strings.ts in the survey's locale; the survey's texts are the author's.
 *
 * Recording is always a POST. The email's score link (a GET) only shows the `confirm`
 * state, which posts the chosen score by script once the page is really seen (visible, not
 * a webdriver — mail scanners that prefetch links never record), or by the visible "Send
 * my answer" button.
 */
import { scaleOf, type SurveyDefinition, type SurveyLocale } from '../../contracts/surveys.js';
import { stringsFor, type PageStrings } from './page-strings.js';
import { endLabels, esc, escLines, followUpFor, oneLine, renderTextOr, scoreName, scoresOf, shorten, thankYouFor } from './survey-text.js';

/** What every state about a known survey carries. */
interface SurveyPage {
  survey: SurveyDefinition;
  /** Template variables for the survey's Liquid texts (`customer`, `workspace`); none: texts render without them. */
  vars?: Record<string, unknown>;
  /** Shown above the card (e.g. the workspace's name). */
  brand?: string;
  /** A CSP nonce for the page's `<style>` (and, in `confirm`, its `<script>`); see {@link answerPageCsp}. */
  nonce?: string;
}

/** A page about no survey in particular (a broken link) or one that cannot be named. */
interface PlainPage {
  survey?: SurveyDefinition;
  /** The language when no survey is known (default en). */
  locale?: SurveyLocale;
  brand?: string;
  nonce?: string;
}

/**
 * The states of the answer page.
 * - `ask`: the question and one submit button per score (`name="score"`) in a form POSTed to
 *   `postUrl`. With `inlineComment` and a survey with a follow-up, the scores are radios and
 *   the follow-up's default question asks for a `comment` in the same form, sent by one button.
 * - `confirm`: reached by the email's score link; the chosen score shown selected and POSTed to
 *   `postUrl` by a nonce'd script (visible page, not a webdriver, after ~300 ms) or by the
 *   visible "Send my answer" button; the other scores can still be chosen.
 * - `followUp`: the score was recorded; the thank-you and the follow-up for its sentiment, the
 *   `comment` POSTed to `commentUrl` (falls back to `done` when the survey has no follow-up).
 * - `done`: the thank-you for the score's sentiment.
 * - `answered`: this link was answered already: the recorded score, the thank-you, and the
 *   follow-up form when there is no comment yet.
 * - `invalid`: an expired or broken link. `closed`: the survey no longer runs.
 */
export type AnswerPageState =
  | (SurveyPage & { kind: 'ask'; postUrl: string; inlineComment?: boolean })
  | (SurveyPage & { kind: 'confirm'; score: number; postUrl: string; nonce: string })
  | (SurveyPage & { kind: 'followUp'; score: number; commentUrl: string })
  | (SurveyPage & { kind: 'done'; score?: number })
  | (SurveyPage & { kind: 'answered'; score: number; comment: string | null; commentUrl: string })
  | (PlainPage & { kind: 'invalid' })
  | (PlainPage & { kind: 'closed' });

/** The comment box's size limit (as SurveyComment in the contracts). */
const COMMENT_MAX = 5000;

/**
 * The Content-Security-Policy for an answer page rendered with `nonce`: nothing external,
 * the page's own style and script by nonce, forms only to this origin, no framing.
 */
export function answerPageCsp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
}

const css = (columns: number) => `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:1rem;line-height:1.5;color:#1f2937;background:#f3f4f6}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}
.brand{margin:0 0 .75rem;font-weight:700;color:#374151}
.card{background:#fff;border-radius:.5rem;padding:1.25rem 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 1rem;overflow-wrap:anywhere}
p{margin:0 0 1rem;overflow-wrap:anywhere}
.muted{color:#4b5563}
.chosen{font-size:1.125rem;font-weight:700}
fieldset{border:0;margin:0 0 1.25rem;padding:0;min-width:0}
legend{padding:0;margin:0 0 .5rem;font-weight:600}
.scores{display:grid;grid-template-columns:repeat(${columns},minmax(0,1fr));gap:.375rem}
${columns > 7 ? '@media (max-width:30rem){.scores{grid-template-columns:repeat(6,minmax(0,1fr))}}\n' : ''}.score{display:flex;align-items:center;justify-content:center;min-width:0;min-height:2.75rem;margin:0;padding:.5rem 0;font:inherit;font-weight:700;color:#1e3a8a;background:#fff;border:2px solid #1e3a8a;border-radius:.375rem;cursor:pointer}
.score:hover{background:#e0e7ff}
.score.selected,input:checked+.score{color:#fff;background:#1e3a8a}
.ends{display:flex;justify-content:space-between;gap:1rem;margin-top:.375rem;font-size:.875rem;color:#4b5563}
.ends span:last-child{text-align:right}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
label{display:block;margin:0 0 .5rem;font-weight:600}
textarea{display:block;width:100%;min-height:6rem;margin:0 0 1rem;padding:.5rem;font:inherit;color:inherit;background:#fff;border:2px solid #6b7280;border-radius:.375rem;resize:vertical}
.primary{min-height:2.75rem;padding:.625rem 1.25rem;font:inherit;font-weight:700;color:#fff;background:#1e3a8a;border:2px solid #1e3a8a;border-radius:.375rem;cursor:pointer}
.primary:hover{background:#1e40af}
button:focus-visible,textarea:focus-visible,a:focus-visible,input:focus-visible+.score{outline:3px solid #b45309;outline-offset:2px}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important;scroll-behavior:auto!important}}
`;

/** The whole document around a card's content. */
function layout(t: PageStrings, opts: { title: string; body: string; columns?: number; brand?: string; nonce?: string; script?: string }): string {
  const nonce = opts.nonce ? ` nonce="${esc(opts.nonce)}"` : '';
  return `<!DOCTYPE html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(opts.title)}</title>
<style${nonce}>
${css(opts.columns ?? 1)}</style>
</head>
<body>
<main>
${opts.brand ? `<p class="brand">${esc(opts.brand)}</p>\n` : ''}<div class="card">
${opts.body}
</div>
</main>
${opts.script ? `<script${nonce}>${opts.script}</script>\n` : ''}</body>
</html>
`;
}

/** The end labels under the scores (hidden from screen readers: each choice's name already says them). */
function ends(def: SurveyDefinition): string {
  const { min, max } = scaleOf(def);
  const labels = endLabels(def);
  return `<div class="ends" aria-hidden="true"><span>${min} = ${esc(labels.low)}</span><span>${max} = ${esc(labels.high)}</span></div>`;
}

/** The scores as submit buttons; `selected` marks the chosen one. */
function scoreButtons(def: SurveyDefinition, legend: string, selected?: number): string {
  const buttons = scoresOf(def)
    .map((n) => {
      const chosen = n === selected;
      return `<button type="submit" name="score" value="${n}" class="score${chosen ? ' selected' : ''}" aria-label="${esc(scoreName(def, n))}"${chosen ? ' aria-current="true"' : ''}>${n}</button>`;
    })
    .join('\n');
  return `<fieldset>\n<legend>${esc(legend)}</legend>\n<div class="scores">\n${buttons}\n</div>\n${ends(def)}\n</fieldset>`;
}

/** The scores as radios (one answer, sent with the comment by one button). */
function scoreRadios(def: SurveyDefinition, legend: string): string {
  const radios = scoresOf(def)
    .map(
      (n) => `<div><input type="radio" name="score" value="${n}" id="score-${n}" class="sr" required aria-label="${esc(scoreName(def, n))}"><label for="score-${n}" class="score">${n}</label></div>`,
    )
    .join('\n');
  return `<fieldset>\n<legend>${esc(legend)}</legend>\n<div class="scores">\n${radios}\n</div>\n${ends(def)}\n</fieldset>`;
}

/** The follow-up form: the question as the label of the `comment` box. */
function commentForm(t: PageStrings, action: string, label: string): string {
  return `<form method="post" action="${esc(action)}">
<label for="comment">${escLines(label)}</label>
<textarea id="comment" name="comment" rows="5" maxlength="${COMMENT_MAX}" required></textarea>
<button type="submit" class="primary">${esc(t.sendComment)}</button>
</form>`;
}

/** A JS string literal safe inside an inline script. */
const jsString = (s: string) =>
  JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** The confirm page's script: send once, only when the page is seen by a person's browser. */
function autoSend(t: PageStrings): string {
  return `(function(){
var f=document.getElementById('answer'),b=document.getElementById('send'),s=document.getElementById('status'),sent=false;
if(!f||!b||navigator.webdriver===true)return;
f.addEventListener('submit',function(){sent=true;});
function go(){if(sent||document.visibilityState!=='visible')return;sent=true;if(s)s.textContent=${jsString(t.sending)};b.click();}
setTimeout(function(){go();document.addEventListener('visibilitychange',go);},300);
})();`;
}

/** Render one state of the answer page as a complete HTML document. */
export function renderAnswerPage(state: AnswerPageState): string {
  const def = state.survey;
  const t = stringsFor(def?.locale ?? ('locale' in state ? state.locale : undefined));
  const vars = ('vars' in state && state.vars) || {};
  const text = (source: string) => renderTextOr(source, vars);
  const base = { brand: state.brand, nonce: state.nonce };
  const titled = (h1: string) => `${shorten(oneLine(h1), 80)}${state.brand ? ` – ${state.brand}` : ''}`;

  if (state.kind === 'invalid' || state.kind === 'closed' || !def) {
    const [title, body] = state.kind === 'closed' ? [t.closedTitle, t.closedBody] : [t.invalidTitle, t.invalidBody];
    return layout(t, { ...base, title: titled(title), body: `<h1>${esc(title)}</h1>\n<p>${esc(body)}</p>` });
  }
  const { min, max } = scaleOf(def);
  const question = text(def.question);
  const columns = scoresOf(def).length;

  switch (state.kind) {
    case 'ask': {
      const follow = state.inlineComment && def.followUp ? text(def.followUp.default) : null;
      const body = follow
        ? `<h1>${escLines(question)}</h1>
<form method="post" action="${esc(state.postUrl)}">
${scoreRadios(def, t.chooseScore(min, max))}
<label for="comment">${escLines(follow)} <span class="muted">(${esc(t.optional)})</span></label>
<textarea id="comment" name="comment" rows="4" maxlength="${COMMENT_MAX}"></textarea>
<button type="submit" class="primary">${esc(t.send)}</button>
</form>`
        : `<h1>${escLines(question)}</h1>
<form method="post" action="${esc(state.postUrl)}">
${scoreButtons(def, t.chooseScore(min, max))}
</form>`;
      return layout(t, { ...base, title: titled(question), columns, body });
    }
    case 'confirm': {
      const body = `<h1>${escLines(question)}</h1>
<form method="post" action="${esc(state.postUrl)}" id="answer">
<p class="chosen">${esc(t.yourAnswer(state.score))}</p>
<p id="status" class="muted" role="status" aria-live="polite"></p>
<noscript><p>${esc(t.pressToSend)}</p></noscript>
<p><button type="submit" name="score" value="${state.score}" class="primary" id="send">${esc(t.send)}</button></p>
${scoreButtons(def, t.orChooseAnother, state.score)}
</form>`;
      return layout(t, { ...base, title: titled(question), columns, body, script: autoSend(t) });
    }
    case 'followUp':
    case 'done':
    case 'answered': {
      const score = state.score;
      const thanks = score === undefined ? text(def.thankYou?.default ?? 'Thank you for your answer.') : text(thankYouFor(def, score));
      const follow = score === undefined || state.kind === 'done' || (state.kind === 'answered' && state.comment !== null) ? null : followUpFor(def, score);
      const h1 = state.kind === 'answered' ? t.alreadyAnswered : t.thankYou;
      const parts = [`<h1>${esc(h1)}</h1>`];
      if (state.kind === 'answered') parts.push(`<p class="chosen">${esc(t.yourAnswer(state.score))}</p>`, `<p>${escLines(thanks)}</p>`);
      else parts.push(`<p>${escLines(thanks)}</p>`, ...(score === undefined ? [] : [`<p class="muted">${esc(t.yourAnswer(score))}</p>`]));
      if (follow && state.kind !== 'done') parts.push(commentForm(t, state.commentUrl, text(follow)));
      return layout(t, { ...base, title: titled(h1), body: parts.join('\n') });
    }
  }
}
