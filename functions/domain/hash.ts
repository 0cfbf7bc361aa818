/** FNV-1a: a fast, stable 32-bit hash for spreading keys over shards and lanes (not for security). */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Which of `buckets` a key falls in. */
export const bucketOf = (key: string, buckets: number): number => hashOf(key) % buckets;
