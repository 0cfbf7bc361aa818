import { describe, expect, it } from 'vitest';
import { expectedFrom } from '../../scripts/lib/convergence.ts';
import { buildWorkload } from '../../scripts/lib/workload.ts';

const options = { events: 20_000, duplicateRatio: 0.3, topics: 8, batchSize: 100, payloadBytes: 64, seed: 1, runId: 'r' };

describe('buildWorkload', () => {
  it('builds exactly the requested number of events with the requested share of duplicates', () => {
    const workload = buildWorkload(options);
    const all = workload.requests.flat();
    expect(all).toHaveLength(20_000);
    expect(workload.total).toBe(20_000);
    const expected = expectedFrom(all);
    expect(expected.unique_processed).toBe(workload.distinct);
    expect(Math.abs(expected.duplicate_dropped - 6000)).toBeLessThanOrEqual(1);
    expect(workload.requests.every((r) => r.length >= 1 && r.length <= 100)).toBe(true);
  });

  it('includes duplicates inside one batch and whole re-sent requests', () => {
    const workload = buildWorkload(options);
    const withInnerDuplicate = workload.requests.filter((r) => new Set(r.map((e) => e.event_id)).size < r.length);
    expect(withInnerDuplicate.length).toBeGreaterThan(0);
    const fingerprints = workload.requests.map((r) => r.map((e) => e.event_id).join(','));
    expect(new Set(fingerprints).size).toBeLessThan(fingerprints.length);
  });

  it('is reproducible from its seed', () => {
    expect(buildWorkload(options)).toEqual(buildWorkload(options));
    expect(buildWorkload({ ...options, seed: 2 })).not.toEqual(buildWorkload(options));
  });
});
