/**
 * A fast, well-mixed 32-bit hash of a string: FNV-1a over the UTF-16 code units, then
 * MurmurHash3's finaliser so every output bit depends on every input bit (FNV-1a's lowest
 * bit alone is just a parity of the input). Not cryptographic: for spreading work and
 * assigning buckets.
 */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
