/** A marketing touch: where a visit came from. */
export interface Touch {
  channel: string;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  referrer: string | null;
  at: string;
}

const SEARCH = /(^|\.)(google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|search\.brave)\./;
const SOCIAL = /(^|\.)(facebook|fb|instagram|linkedin|lnkd|twitter|t\.co|x\.com|tiktok|reddit|pinterest|youtube|threads)(\.|$)/;
const PAID_SOCIAL_SOURCES = /facebook|fb|instagram|linkedin|twitter|tiktok|reddit|pinterest|snapchat|youtube|meta/;

/**
 * Derive the acquisition channel of one event from its campaign (UTM) context and
 * referrer. Returns null when the event carries no attribution signal (no campaign, no
 * external referrer), so direct page views do not overwrite a real touch.
 *
 * Channels: paid_search, paid_social, display, affiliate, email, sms, organic_social,
 * organic_search, referral, other_campaign. A customer with no touch is "direct".
 */
export function touchOf(context: Record<string, unknown>, properties: Record<string, unknown>, at: Date): Touch | null {
  const campaign = (context.campaign ?? null) as Record<string, unknown> | null;
  const page = (context.page ?? null) as Record<string, unknown> | null;
  const referrer = str(page?.referrer) ?? str(properties.referrer) ?? str((context.referrer as Record<string, unknown> | undefined)?.url);
  const source = str(campaign?.source)?.toLowerCase() ?? null;
  const medium = str(campaign?.medium)?.toLowerCase() ?? null;
  const name = str(campaign?.name) ?? null;
  const host = hostOf(referrer);
  const ownHost = hostOf(str(page?.url) ?? str(properties.url));
  const iso = at.toISOString();

  if (source || medium || name) {
    return { channel: channelOfCampaign(source ?? '', medium ?? ''), source, medium, campaign: name, referrer, at: iso };
  }
  if (!host || (ownHost && host === ownHost)) return null;
  const channel = SEARCH.test(host) ? 'organic_search' : SOCIAL.test(host) ? 'organic_social' : 'referral';
  return { channel, source: host, medium: channel === 'referral' ? 'referral' : 'organic', campaign: null, referrer, at: iso };
}

/** Map utm_source / utm_medium to a channel name, following the usual GA-style grouping. */
export function channelOfCampaign(source: string, medium: string): string {
  if (/^(cpc|ppc|paidsearch|paid_search|paid-search|sem)$/.test(medium)) return PAID_SOCIAL_SOURCES.test(source) ? 'paid_social' : 'paid_search';
  if (/^(paid|paid_social|paidsocial|paid-social|social_paid|cpm|cpv)$/.test(medium) || (medium.includes('paid') && PAID_SOCIAL_SOURCES.test(source))) {
    return PAID_SOCIAL_SOURCES.test(source) ? 'paid_social' : 'display';
  }
  if (/^(display|banner|programmatic)$/.test(medium)) return 'display';
  if (medium === 'affiliate' || medium === 'partner') return 'affiliate';
  if (medium === 'email' || medium === 'newsletter' || source === 'newsletter') return 'email';
  if (medium === 'sms') return 'sms';
  if (/^(social|social-network|social-media|sm|organic_social)$/.test(medium) || PAID_SOCIAL_SOURCES.test(source)) return 'organic_social';
  if (medium === 'organic' || SEARCH.test(`${source}.`)) return 'organic_search';
  if (medium === 'referral') return 'referral';
  return 'other_campaign';
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/^www\./, '').toLowerCase();
  } catch {
    return null;
  }
}
