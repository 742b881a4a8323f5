import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { allGroupsKey } from '../../channels/policy.js';
import { channelSubscriptionGroups, customerConsents, subscriptionGroupName } from '../../channels/subscriptions.repo.js';
import { recordClick, recordOpen, resolveLink, setConsent, unsubscribeFromLink, type LinkedMessage } from '../../channels/tracking.js';
import { STATUS_OF } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

/** 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const Token = z.object({ token: z.string().min(10).max(4_000) });

export interface TrackingDeps {
  db: Db;
  /** Told of the events written on customers' timelines (opens, clicks, consent changes). */
  bus: ChangeBus;
}

/**
 * The links inside messages, reached by customers without any key: the open pixel, the
 * click redirect, one-click unsubscribe (RFC 8058: a POST from the mail client) with a
 * confirmation page, and the hosted preference page. Every token is signed, bound to its
 * route's purpose and expires (link-tokens.ts); a forged, misused or stale one gets a plain
 * page (or, for the pixel, the pixel) and changes nothing — not even a settings row.
 */
export function trackingRoutes(app: FastifyInstance, deps: TrackingDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hide = { hide: true };
  // The events' stage and segment work was recorded with them; this wakes the workers.
  const touched = (l: LinkedMessage) => deps.bus.publish({ kind: 'events', workspaceId: l.claims.w, customerIds: [l.claims.c] });

  r.get('/t/o/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      // The pixel is always served (mail clients do not retry an image); an open that could not be recorded is logged.
      try {
        const l = await resolveLink(deps.db, req.params.token.replace(/\.gif$/, ''), 'open', new Date());
        if (l && (await recordOpen(deps.db, l, new Date()))) touched(l);
      } catch (err) {
        req.log.warn({ err }, 'an email open could not be recorded');
      }
      return reply.header('content-type', 'image/gif').header('cache-control', 'no-store, max-age=0').send(PIXEL);
    },
  });

  r.get('/t/c/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      // (A database outage answers 503 through the error handler, not "link not found".)
      const l = await resolveLink(deps.db, req.params.token, 'click', new Date());
      const url = l?.claims.u;
      if (!l || !url || !/^https?:\/\//i.test(url)) return page(reply.status(STATUS_OF.not_found), 'Link not found', 'This link is not valid. It may have been copied incompletely.');
      await recordClick(deps.db, l, url, new Date());
      touched(l);
      return reply.redirect(url, 302);
    },
  });

  // GET shows a confirmation (mail scanners follow GET links; only a person's click or the mail client's POST unsubscribes).
  r.get('/u/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const l = await resolveLink(deps.db, req.params.token, 'unsubscribe', new Date());
      if (!l) return page(reply.status(STATUS_OF.not_found), 'Link not valid', 'This unsubscribe link is not valid. It may have been copied incompletely.');
      const what = await groupName(deps.db, l);
      return page(
        reply,
        'Unsubscribe',
        `<p>${esc(unsubscribeQuestion(what))}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="from" value="page"><button type="submit">Unsubscribe</button></form>
         <p><a href="../preferences/${esc(l.preferencesToken ?? '')}">Manage all your preferences</a></p>`,
      );
    },
  });

  r.post('/u/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const l = await resolveLink(deps.db, req.params.token, 'unsubscribe', new Date());
      if (!l) return page(reply.status(STATUS_OF.not_found), 'Link not valid', 'This unsubscribe link is not valid.');
      const what = await groupName(deps.db, l);
      // The proof: from our confirmation page, its question; else the mail client's one-click button (RFC 8058).
      const fromPage = ((req.body ?? {}) as Record<string, unknown>).from === 'page';
      await unsubscribeFromLink(deps.db, l, new Date(), {
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? null,
        textShown: fromPage ? `${unsubscribeQuestion(what)} [Unsubscribe]` : `List-Unsubscribe one-click (the mail client's unsubscribe button) for ${what}`,
      });
      touched(l);
      return page(reply, 'Unsubscribed', `<p>You will no longer receive ${esc(what)}.</p><p><a href="../preferences/${esc(l.preferencesToken ?? '')}">Manage all your preferences</a></p>`);
    },
  });

  r.get('/preferences/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const l = await resolveLink(deps.db, req.params.token, 'preferences', new Date());
      if (!l) return page(reply.status(STATUS_OF.not_found), 'Link not valid', 'This preferences link is not valid.');
      return page(reply, 'Your preferences', await preferenceForm(deps.db, l, false));
    },
  });

  r.post('/preferences/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const l = await resolveLink(deps.db, req.params.token, 'preferences', new Date());
      if (!l) return page(reply.status(STATUS_OF.not_found), 'Link not valid', 'This preferences link is not valid.');
      const form = (req.body ?? {}) as Record<string, string | string[]>;
      const picked = new Set(([] as string[]).concat(form.group ?? []));
      const groups = await channelSubscriptionGroups(deps.db, l.claims.w, l.channel);
      const all = form.all === 'off';
      const changes = [{ groupId: allGroupsKey(l.channel), subscribed: !all }, ...groups.map((g) => ({ groupId: g.id, subscribed: !all && picked.has(g.id) }))];
      // The proof: the form's words, each box as the person left it.
      const textShown = [
        'Your preferences',
        ...groups.map((g) => `[${!all && picked.has(g.id) ? 'x' : ' '}] ${g.name}${g.description ? ` (${g.description})` : ''}`),
        `[${all ? 'x' : ' '}] ${unsubscribeAllLabel(l.channel)}`,
        '[Save]',
      ].join('\n');
      await setConsent(deps.db, l.claims.w, l.claims.c, changes, 'preference_page', new Date(), l.claims.m, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, textShown });
      touched(l);
      return page(reply, 'Your preferences', `<p class="ok">Saved.</p>${await preferenceForm(deps.db, l, true)}`);
    },
  });
}

async function groupName(db: Db, l: LinkedMessage): Promise<string> {
  if (!l.groupId) return `any ${l.channel === 'email' ? 'marketing emails' : `${l.channel} messages`} from us`;
  return `“${(await subscriptionGroupName(db, l.claims.w, l.groupId)) ?? l.groupId}” messages`;
}

async function preferenceForm(db: Db, l: LinkedMessage, _saved: boolean): Promise<string> {
  const groups = await channelSubscriptionGroups(db, l.claims.w, l.channel);
  const consent = await customerConsents(db, l.claims.w, l.claims.c);
  const allOff = consent.get(allGroupsKey(l.channel)) === false;
  const boxes = groups
    .map((g) => {
      const on = !allOff && (consent.get(g.id) ?? !g.opt_in);
      return `<label><input type="checkbox" name="group" value="${esc(g.id)}"${on ? ' checked' : ''}> ${esc(g.name)}${g.description ? ` <small>${esc(g.description)}</small>` : ''}</label>`;
    })
    .join('');
  return `<form method="post">${boxes || '<p>There are no subscription groups for this channel.</p>'}
    <label><input type="checkbox" name="all" value="off"${allOff ? ' checked' : ''}> ${esc(unsubscribeAllLabel(l.channel))}</label>
    <button type="submit">Save</button></form>`;
}

/** The words of the unsubscribe page and the preference page's last box (also kept as consent proof). */
const unsubscribeQuestion = (what: string) => `Stop receiving ${what}?`;
const unsubscribeAllLabel = (channel: string) => `Unsubscribe from all ${channel} messages`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(reply: FastifyReply, title: string, body: string): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.4rem}label{display:block;margin:.5rem 0}small{color:#6b7280;display:block;margin-left:1.6rem}button{margin-top:1rem;padding:.5rem 1.2rem;border:0;border-radius:.4rem;background:#4f46e5;color:#fff;font-size:1rem}.ok{color:#047857}</style>
</head><body><h1>${esc(title)}</h1>${body.startsWith('<') ? body : `<p>${esc(body)}</p>`}</body></html>`,
    );
}
