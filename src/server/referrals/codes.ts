/**
 * Referral codes, pure: generated codes from CODE_ALPHABET (no characters read or typed one
 * for another), canonical input (upper case, no spaces), vanity codes checked (length,
 * characters, reserved words) and compared by their "skeleton" (the characters people confuse
 * folded together), so `B0B-5` cannot sit beside `BOB-S`.
 */
import { CODE_ALPHABET } from '../../contracts/referrals.js';
import { fail, ok, type Result } from '../lib/result.js';

/** Length of a generated code: 25^8 ≈ 1.5e11 codes. */
export const GENERATED_LENGTH = 8;

/** A code of GENERATED_LENGTH characters of CODE_ALPHABET; `randomIndex(n)` returns an integer in [0, n). */
export function generateCode(randomIndex: (n: number) => number): string {
  let s = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) s += CODE_ALPHABET[randomIndex(CODE_ALPHABET.length)];
  return s;
}

/** A code as typed or pasted (a coupon field, a URL) as stored: upper case, spaces removed. */
export function canonicalCode(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase();
}

/** Words no vanity code may be (after canonicalisation, with `-` removed): they read as the shop's own, or as a generic discount. */
export const RESERVED_CODES: ReadonlySet<string> = new Set([
  'ADMIN',
  'ADMINISTRATOR',
  'API',
  'APP',
  'BLACKFRIDAY',
  'COUPON',
  'DEMO',
  'DISCOUNT',
  'FREE',
  'FREESHIPPING',
  'GIFT',
  'HELP',
  'LOGIN',
  'NULL',
  'OFFER',
  'OFFICIAL',
  'PROMO',
  'REF',
  'REFER',
  'REFERRAL',
  'ROOT',
  'SALE',
  'SHOP',
  'SIGNUP',
  'STAFF',
  'STORE',
  'SUPPORT',
  'SYSTEM',
  'TENURE',
  'TEST',
  'UNDEFINED',
  'VIP',
  'WELCOME',
  'WWW',
]);

/** The pairs CODE_ALPHABET leaves out because people confuse them (0/O, 1/I/L, 5/S, 2/Z, 8/B): each folded onto one. */
const CONFUSABLE: Record<string, string> = { '0': 'O', '1': 'I', L: 'I', '5': 'S', '2': 'Z', '8': 'B' };

/** The code with confusable characters folded together and `-` dropped: two codes with one skeleton are too alike to coexist. */
export function codeSkeleton(code: string): string {
  let s = '';
  for (const ch of canonicalCode(code)) {
    if (ch === '-') continue;
    s += CONFUSABLE[ch] ?? ch;
  }
  return s;
}

export type VanityFailure = { code: 'validation_failed'; message: string; field: string };

/** Check a vanity code (already canonical): 3–32 letters, digits and `-`, not only `-`, not a reserved word. */
export function checkVanity(code: string): Result<string, VanityFailure> {
  const c = canonicalCode(code);
  if (c.length < 3 || c.length > 32) return fail('validation_failed', `a code is 3 to 32 characters long; "${c}" has ${c.length}`, { field: 'code' });
  if (!/^[A-Z0-9-]+$/.test(c)) return fail('validation_failed', `use letters A–Z, digits and "-" only; "${c}" has others`, { field: 'code' });
  if (!/[A-Z0-9]/.test(c)) return fail('validation_failed', 'a code needs a letter or a digit', { field: 'code' });
  if (RESERVED_CODES.has(c.replace(/-/g, ''))) return fail('validation_failed', `"${c}" is reserved (it reads as the shop's own or a generic offer); choose another`, { field: 'code' });
  return ok(c);
}
