/** The three event counters. The API calls them received, unique_processed and duplicate_dropped. */
export interface Counts {
  received: number;
  unique: number;
  duplicates: number;
}

/** How /stats and the scripts name the counters on the wire. */
export type { CountsBody } from './api-schemas.ts';

import type { CountsBody } from './api-schemas.ts';

export const noCounts = (): Counts => ({ received: 0, unique: 0, duplicates: 0 });

export function addCounts(total: Counts, more: Counts): Counts {
  total.received += more.received;
  total.unique += more.unique;
  total.duplicates += more.duplicates;
  return total;
}

export const toCountsBody = (counts: Counts): CountsBody => ({
  received: counts.received,
  unique_processed: counts.unique,
  duplicate_dropped: counts.duplicates,
});
