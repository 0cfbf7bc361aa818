import { round } from './system.ts';

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** (max - min) / median: how far apart the runs were, as a share of the typical one. */
export function spread(values: number[]): number {
  const m = median(values);
  return m === 0 ? 0 : round((Math.max(...values) - Math.min(...values)) / m, 3);
}

/** For each numeric field of the runs: the median, the spread and every run's value. */
export function summarise<T extends Record<string, unknown>>(runs: T[], fields: Array<keyof T & string>) {
  return Object.fromEntries(
    fields.map((field) => {
      // A figure a run could not measure (null) is left out; with none measured the median is NaN, which meets no target.
      const values = runs.map((run) => (run[field] == null ? Number.NaN : Number(run[field]))).filter(Number.isFinite);
      return [field, { median: round(median(values), 3), spread: spread(values), runs: values }];
    }),
  ) as Record<string, { median: number; spread: number; runs: number[] }>;
}
