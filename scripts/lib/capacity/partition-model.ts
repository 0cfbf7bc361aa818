/**
 * A model of DynamoDB's per-partition-key limits on AWS: one partition key takes at most 1,000
 * write units and 3,000 read units per second, however the table is provisioned. Accesses are
 * summed per key and per second of the workload; the peak second of the hottest key is what
 * AWS would throttle.
 */
export const partitionLimits = { write: 1000, read: 3000 } as const;

export type AccessKind = keyof typeof partitionLimits;

export interface KeyAccess {
  /** The table, or `table/index` for a global secondary index (a separate set of partitions). */
  space: string;
  /** The partition key's attribute and value, e.g. `pk=totals#3`. */
  key: string;
  kind: AccessKind;
  units: number;
  /** Which second of the workload the access falls in. */
  second: number;
}

export interface HotKey {
  space: string;
  key: string;
  kind: AccessKind;
  /** Units in the busiest second. */
  peakPerSecond: number;
  /** Units over the whole workload divided by its length in seconds. */
  meanPerSecond: number;
}

export interface SpaceSummary {
  space: string;
  kind: AccessKind;
  keys: number;
  totalUnits: number;
  hottest: HotKey;
}

/** A write unit covers 1 KB; a transactional write costs two. */
export const writeUnits = (bytes: number, transactional: boolean) => (transactional ? 2 : 1) * Math.max(1, Math.ceil(bytes / 1024));

/** A read unit covers 4 KB strongly consistent; an eventually consistent read costs half, a transactional one twice. */
export function readUnits(bytes: number, consistency: 'eventual' | 'strong' | 'transactional'): number {
  const blocks = Math.max(1, Math.ceil(bytes / 4096));
  return blocks * { eventual: 0.5, strong: 1, transactional: 2 }[consistency];
}

export class PartitionModel {
  private readonly perKeySecond = new Map<string, number>();
  private readonly perKey = new Map<string, { space: string; key: string; kind: AccessKind; units: number }>();
  private lastSecond = 0;

  record(access: KeyAccess): void {
    const id = `${access.kind}\u0000${access.space}\u0000${access.key}`;
    const bySecond = `${id}\u0000${access.second}`;
    this.perKeySecond.set(bySecond, (this.perKeySecond.get(bySecond) ?? 0) + access.units);
    const entry = this.perKey.get(id) ?? { space: access.space, key: access.key, kind: access.kind, units: 0 };
    entry.units += access.units;
    this.perKey.set(id, entry);
    this.lastSecond = Math.max(this.lastSecond, access.second);
  }

  /** Every key space with its hottest key, hottest first. */
  summary(): SpaceSummary[] {
    const seconds = this.lastSecond + 1;
    const peaks = new Map<string, number>();
    for (const [bySecond, units] of this.perKeySecond) {
      const id = bySecond.slice(0, bySecond.lastIndexOf('\u0000'));
      peaks.set(id, Math.max(peaks.get(id) ?? 0, units));
    }
    const spaces = new Map<string, SpaceSummary>();
    for (const [id, entry] of this.perKey) {
      const hot: HotKey = { ...entry, peakPerSecond: peaks.get(id)!, meanPerSecond: entry.units / seconds };
      const spaceId = `${entry.kind}\u0000${entry.space}`;
      const space = spaces.get(spaceId) ?? { space: entry.space, kind: entry.kind, keys: 0, totalUnits: 0, hottest: hot };
      space.keys += 1;
      space.totalUnits += entry.units;
      if (hot.peakPerSecond > space.hottest.peakPerSecond) space.hottest = hot;
      spaces.set(spaceId, space);
    }
    return [...spaces.values()].sort((a, b) => b.hottest.peakPerSecond - a.hottest.peakPerSecond);
  }

  /** The hottest key of one kind, in its busiest second. */
  hottest(kind: AccessKind): HotKey | undefined {
    return this.summary().find((space) => space.kind === kind)?.hottest;
  }
}
