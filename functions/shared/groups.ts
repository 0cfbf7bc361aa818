/** The items in consecutive groups of at most `size`, for APIs that take a bounded batch per call. */
export function inGroupsOf<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
