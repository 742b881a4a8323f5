/**
 * Canonical forms the fraud guard compares: emails (case, Gmail dots, `+tags`) and postal
 * addresses (case, punctuation, spacing, common abbreviations). Pure.
 */

const GMAIL = new Set(['gmail.com', 'googlemail.com']);

/**
 * An email as the mailbox it reaches: lower case; the `+tag` removed (every domain: almost
 * every provider delivers `name+x@` to `name@`); for Gmail, dots in the name removed and
 * googlemail.com read as gmail.com. Null when it is not an address.
 */
export function canonicalEmail(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  if (at <= 0 || at === e.length - 1) return null;
  let local = e.slice(0, at);
  let domain = e.slice(at + 1).replace(/\.$/, '');
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  if (GMAIL.has(domain)) {
    domain = 'gmail.com';
    local = local.replace(/\./g, '');
  }
  if (local === '' || !domain.includes('.')) return null;
  return `${local}@${domain}`;
}

/** The domain of an email (lower case), or null. */
export function emailDomain(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const at = email.lastIndexOf('@');
  return at > 0
    ? email
        .slice(at + 1)
        .trim()
        .toLowerCase() || null
    : null;
}

/** Words written in full or abbreviated, folded onto the abbreviation (USPS / Royal Mail style). */
const ABBREVIATIONS: Record<string, string> = {
  street: 'st',
  str: 'st',
  road: 'rd',
  avenue: 'ave',
  av: 'ave',
  boulevard: 'blvd',
  drive: 'dr',
  lane: 'ln',
  court: 'ct',
  place: 'pl',
  square: 'sq',
  terrace: 'ter',
  highway: 'hwy',
  parkway: 'pkwy',
  crescent: 'cres',
  close: 'cl',
  gardens: 'gdns',
  mount: 'mt',
  apartment: 'apt',
  flat: 'apt',
  unit: 'apt',
  suite: 'ste',
  floor: 'fl',
  building: 'bldg',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  saint: 'st',
  number: 'no',
};

function words(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '')
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(' ');
}

function pick(o: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return null;
}

/**
 * A postal address (a `traits.address` object as Segment's spec has it — street, city,
 * postalCode, country — or line1/line2/postal_code/zip variants, or one string) as a key:
 * the postal code without spaces, and the street lines normalised (case, punctuation and
 * spacing collapsed, `Street` = `St.` = `st`). Null when there is no street, or neither a
 * postal code nor a city to go with it (too little to call two addresses the same).
 */
export function normaliseAddress(address: unknown): string | null {
  if (typeof address === 'string') {
    const w = words(address);
    return w.split(' ').length >= 3 ? `~${w}` : null;
  }
  if (address === null || typeof address !== 'object' || Array.isArray(address)) return null;
  const o = address as Record<string, unknown>;
  const line1 = pick(o, ['line1', 'street', 'address1', 'street_address', 'streetAddress', 'address_line1', 'address']);
  const line2 = pick(o, ['line2', 'address2', 'address_line2', 'apartment', 'apt']);
  const postal = pick(o, ['postalCode', 'postal_code', 'postcode', 'zip', 'zipcode', 'zip_code']);
  const city = pick(o, ['city', 'town', 'locality']);
  if (!line1) return null;
  const street = words(`${line1} ${line2 ?? ''}`);
  if (street === '') return null;
  if (postal) return `${postal.toUpperCase().replace(/[^A-Z0-9]/g, '')}|${street}`;
  if (city) return `${words(city)}|${street}`;
  return null;
}

/** An address shown in a reason: its parts joined, as given. */
export function addressText(address: unknown): string {
  if (typeof address === 'string') return address;
  if (address === null || typeof address !== 'object') return String(address);
  return Object.values(address as Record<string, unknown>)
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .join(', ');
}
