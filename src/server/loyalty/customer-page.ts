import type { CustomerLoyaltyView } from '../../contracts/loyalty.js';
import { esc } from '../surveys/survey-text.js';

/**
 * The customer's loyalty page (`GET /l/<token>`): one self-contained HTML document, no
 * external resources and no script, readable at 320 px. Everything shown is escaped (reward
 * names and codes come from admins and uploads). Each reward's Redeem button is a form POSTed
 * to `/l/<token>/redeem` with the reward and an idempotency key made when the page was drawn,
 * so a double click or a resent form redeems once.
 */

export interface LoyaltyPageState {
  view: CustomerLoyaltyView;
  /** The workspace's name, shown above the card. */
  brand: string;
  /** Where the Redeem forms post. */
  redeemUrl: string;
  /** A fresh key per reward for its form (an idempotency key). */
  keys: Record<string, string>;
  /** The outcome of a redemption just made (or refused). */
  notice?: { kind: 'ok' | 'error'; text: string };
  /** The CSP nonce of the page's `<style>` (see {@link loyaltyPageCsp}). */
  nonce: string;
}

/** The page's Content-Security-Policy: nothing external, no script, forms to this origin only, no framing; the `<style>` by nonce. */
export function loyaltyPageCsp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'none'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
}

const CSS = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:1rem;line-height:1.5;color:#1f2937;background:#f3f4f6}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}
.brand{margin:0 0 .75rem;font-weight:700;color:#374151}
.card{background:#fff;border-radius:.5rem;padding:1.25rem 1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.125rem;margin:0 0 .75rem}
p{margin:0 0 .75rem;overflow-wrap:anywhere}
.balance{font-size:2rem;font-weight:800;margin:0}
.muted{color:#4b5563}
ul{list-style:none;margin:0;padding:0}
li{padding:.75rem 0;border-top:1px solid #e5e7eb;overflow-wrap:anywhere}
li:first-child{border-top:0}
.reward{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between}
.reward div{min-width:0;flex:1 1 12rem}
.name{font-weight:700}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1rem;font-weight:700;background:#eef2ff;padding:.125rem .375rem;border-radius:.25rem;word-break:break-all}
button{min-height:2.75rem;padding:.5rem 1rem;font:inherit;font-weight:700;color:#fff;background:#1e3a8a;border:2px solid #1e3a8a;border-radius:.375rem;cursor:pointer}
button:hover{background:#1e40af}
button:disabled{color:#4b5563;background:#e5e7eb;border-color:#9ca3af;cursor:not-allowed}
button:focus-visible,a:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.notice{border-left:4px solid #15803d;background:#f0fdf4}
.notice.error{border-left-color:#b91c1c;background:#fef2f2}
a{color:#1e3a8a}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important}}
`;

const num = (n: number) => new Intl.NumberFormat('en-US').format(n);
const day = (iso: string) => iso.slice(0, 10);
const STATUS_WORDS: Record<string, string> = { issued: 'ready to use', used: 'used', cancelled: 'cancelled', clawed_back: 'withdrawn' };

function benefitsList(b: Record<string, unknown>): string {
  const items = Object.entries(b)
    .filter(([, v]) => v !== false && v !== null && v !== undefined)
    .map(([k, v]) => `<li>${esc(k.replace(/_/g, ' '))}${v === true ? '' : `: ${esc(String(v))}`}</li>`);
  return items.length ? `<ul>${items.join('')}</ul>` : '';
}

/** The whole loyalty page. */
export function renderLoyaltyPage(s: LoyaltyPageState): string {
  const v = s.view;
  const pts = esc(v.pointsName);
  const parts: string[] = [];
  if (s.notice) parts.push(`<section class="card notice${s.notice.kind === 'error' ? ' error' : ''}" role="status"><p>${esc(s.notice.text)}</p></section>`);

  const summary = [`<h1>${esc(v.programme)}</h1>`, `<p class="balance">${num(v.available)} <span class="muted">${pts}</span></p>`];
  if (v.pending > 0) summary.push(`<p class="muted">${num(v.pending)} ${pts} pending: spendable soon.</p>`);
  if (v.expiringSoon) summary.push(`<p>${num(v.expiringSoon.points)} ${pts} expire on ${esc(day(v.expiringSoon.at))}.</p>`);
  if (v.tier) summary.push(`<p>Your tier: <strong>${esc(v.tier.name)}</strong></p>`, benefitsList(v.tier.benefits));
  parts.push(`<section class="card">${summary.join('\n')}</section>`);

  const rewards = v.rewards.map((r) => {
    const why = r.affordable ? '' : `<span class="muted">Not available to you yet</span>`;
    return `<li class="reward"><div><p class="name">${esc(r.name)}</p>${r.description ? `<p class="muted">${esc(r.description)}</p>` : ''}${why}</div>
<form method="post" action="${esc(s.redeemUrl)}"><input type="hidden" name="rewardId" value="${esc(r.id)}"><input type="hidden" name="key" value="${esc(s.keys[r.id] ?? '')}">
<button type="submit"${r.affordable ? '' : ' disabled'} aria-label="Redeem ${esc(r.name)} for ${num(r.cost)} ${pts}">Redeem · ${num(r.cost)} ${pts}</button></form></li>`;
  });
  parts.push(
    `<section class="card" aria-labelledby="rewards-h"><h2 id="rewards-h">Rewards</h2>${rewards.length ? `<ul>${rewards.join('\n')}</ul>` : '<p class="muted">No rewards on offer right now.</p>'}</section>`,
  );

  if (v.redemptions.length) {
    const items = v.redemptions.map(
      (r) =>
        `<li><p class="name">${esc(r.rewardName)}</p>${r.code ? `<p>Code: <code>${esc(r.code)}</code></p>` : ''}<p class="muted">${esc(day(r.at))} · ${esc(STATUS_WORDS[r.status] ?? r.status)}</p></li>`,
    );
    parts.push(`<section class="card" aria-labelledby="taken-h"><h2 id="taken-h">Your rewards</h2><ul>${items.join('\n')}</ul></section>`);
  }
  if (v.referral) {
    parts.push(
      `<section class="card" aria-labelledby="ref-h"><h2 id="ref-h">Invite a friend</h2><p>Your code: <code>${esc(v.referral.code)}</code></p><p>Your link: <a href="${esc(v.referral.link)}">${esc(v.referral.link)}</a></p></section>`,
    );
  }
  return document(s.brand, v.programme, s.nonce, parts.join('\n'));
}

/** The page for a link that does not work (forged, expired, or the customer is gone). */
export function renderInvalidLoyaltyPage(nonce: string): string {
  return document('', 'Link not valid', nonce, `<section class="card"><h1>This link does not work</h1><p>It may have expired. Ask for a new one.</p></section>`);
}

function document(brand: string, title: string, nonce: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}${brand ? ` – ${esc(brand)}` : ''}</title>
<style nonce="${esc(nonce)}">
${CSS}</style>
</head>
<body>
<main>
${brand ? `<p class="brand">${esc(brand)}</p>\n` : ''}${body}
</main>
</body>
</html>
`;
}
