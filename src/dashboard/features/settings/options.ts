/** Choices for the settings forms: timezones and currencies the browser knows. */

type IntlWithValues = typeof Intl & { supportedValuesOf?: (key: 'timeZone' | 'currency') => string[] };

/** IANA timezones (UTC first), always including `current` so a stored zone stays selectable. */
export function timezoneOptions(current?: string): string[] {
  const all = (Intl as IntlWithValues).supportedValuesOf?.('timeZone') ?? [];
  const set = new Set(['UTC', ...all]);
  if (current) set.add(current);
  return [...set];
}

/** Common ISO 4217 currencies; `current` is added when it is not among them. */
const COMMON = [
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CNY',
  'INR',
  'CAD',
  'AUD',
  'NZD',
  'CHF',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'HUF',
  'RON',
  'TRY',
  'ILS',
  'AED',
  'SAR',
  'ZAR',
  'BRL',
  'MXN',
  'ARS',
  'CLP',
  'COP',
  'SGD',
  'HKD',
  'TWD',
  'KRW',
  'THB',
  'MYR',
  'IDR',
  'PHP',
  'VND',
  'NGN',
  'KES',
  'EGP',
  'UAH',
];

/** Currency codes with their English names, e.g. `EUR — Euro`. */
export function currencyOptions(current?: string): Array<{ code: string; label: string }> {
  const codes = current && !COMMON.includes(current) ? [current, ...COMMON] : COMMON;
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(['en'], { type: 'currency' });
  } catch {
    names = null;
  }
  return codes.map((code) => ({ code, label: `${code} — ${names?.of(code) ?? code}` }));
}

/** Message channels, with the words the forms use. */
export const CHANNELS = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
  { value: 'webhook', label: 'Webhook' },
  { value: 'inapp', label: 'In-app' },
] as const;
export type ChannelValue = (typeof CHANNELS)[number]['value'];

export const channelLabel = (c: string): string => CHANNELS.find((x) => x.value === c)?.label ?? c;
