/** The demo business: a direct-to-consumer coffee brand with a shop and a subscription. */

export interface ChannelSpec {
  key: string;
  weight: number;
  /** Acquisition cost per new customer in USD (0 = unpaid). */
  cac: number;
  campaign: { source: string; medium: string; names: string[] } | null;
  referrer: string | null;
}

export const CHANNELS: readonly ChannelSpec[] = [
  { key: 'organic_search', weight: 24, cac: 6, campaign: null, referrer: 'https://www.google.com/' },
  { key: 'paid_search', weight: 19, cac: 42, campaign: { source: 'google', medium: 'cpc', names: ['brand', 'espresso-generic', 'gift-guide'] }, referrer: 'https://www.google.com/' },
  { key: 'paid_social', weight: 15, cac: 58, campaign: { source: 'facebook', medium: 'paid_social', names: ['spring-launch', 'retargeting', 'lookalike'] }, referrer: 'https://m.facebook.com/' },
  { key: 'referral', weight: 10, cac: 12, campaign: { source: 'friend', medium: 'referral', names: ['give-10-get-10'] }, referrer: null },
  { key: 'email', weight: 7, cac: 4, campaign: { source: 'newsletter', medium: 'email', names: ['weekly-roast', 'black-friday'] }, referrer: null },
  { key: 'affiliate', weight: 7, cac: 24, campaign: { source: 'coffeereviews', medium: 'affiliate', names: ['top-10-beans'] }, referrer: 'https://coffeereviews.example/' },
  { key: 'organic_social', weight: 5, cac: 3, campaign: null, referrer: 'https://t.co/x' },
  { key: 'direct', weight: 13, cac: 0, campaign: null, referrer: null },
];

export interface Product {
  id: string;
  sku: string;
  name: string;
  category: string;
  price: number;
}

export const PRODUCTS: readonly Product[] = [
  ['house-blend', 'House Blend 250g', 'beans', 12],
  ['single-origin-eth', 'Ethiopia Guji 250g', 'beans', 16],
  ['single-origin-col', 'Colombia Huila 250g', 'beans', 15],
  ['decaf', 'Swiss Water Decaf 250g', 'beans', 14],
  ['espresso-roast', 'Espresso Roast 1kg', 'beans', 38],
  ['cold-brew-kit', 'Cold Brew Kit', 'gear', 29],
  ['grinder', 'Burr Grinder', 'gear', 119],
  ['v60', 'Pour-over Dripper', 'gear', 24],
  ['kettle', 'Gooseneck Kettle', 'gear', 69],
  ['mug', 'Stoneware Mug', 'merch', 18],
  ['gift-card', 'Gift Card', 'gift', 50],
].map(([id, name, category, price]) => ({ id: String(id), sku: `SKU-${String(id).toUpperCase()}`, name: String(name), category: String(category), price: Number(price) }));

export const PLANS = [
  { key: 'starter', mrr: 19 },
  { key: 'enthusiast', mrr: 34 },
  { key: 'office', mrr: 89 },
] as const;

export const COUNTRIES: ReadonlyArray<readonly [string, string, string, number]> = [
  ['US', 'America/New_York', 'en-US', 40],
  ['US', 'America/Los_Angeles', 'en-US', 15],
  ['GB', 'Europe/London', 'en-GB', 12],
  ['DE', 'Europe/Berlin', 'de-DE', 9],
  ['FR', 'Europe/Paris', 'fr-FR', 7],
  ['CA', 'America/Toronto', 'en-CA', 7],
  ['AU', 'Australia/Sydney', 'en-AU', 5],
  ['NL', 'Europe/Amsterdam', 'nl-NL', 5],
];

export const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Tim',
  'Hedy',
  'Edsger',
  'Radia',
  'Guido',
  'Anita',
  'Bjarne',
  'Karen',
  'John',
  'Sophie',
  'Yukihiro',
  'Lea',
  'Omar',
  'Priya',
  'Mateo',
  'Aisha',
  'Chen',
  'Ines',
  'Noah',
  'Zara',
  'Lukas',
];
export const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Berners-Lee',
  'Lamarr',
  'Dijkstra',
  'Perlman',
  'van Rossum',
  'Borg',
  'Stroustrup',
  'Jones',
  'McCarthy',
  'Wilson',
  'Matsumoto',
  'Martin',
  'Haddad',
  'Patel',
  'Garcia',
  'Khan',
  'Wei',
  'Silva',
  'Müller',
  'Ahmed',
  'Novak',
];
export const INDUSTRIES = ['software', 'agency', 'finance', 'healthcare', 'education', 'retail', 'legal', 'manufacturing'];
export const FEATURES = ['roast-finder', 'brew-guide', 'subscription-skip', 'gift-wrap', 'wishlist', 'tasting-notes', 'reorder', 'delivery-tracking'];
export const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
];
export const SITE = 'https://brewline.example';
