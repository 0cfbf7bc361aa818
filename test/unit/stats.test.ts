import { describe, expect, it } from 'vitest';
import { summariseStats } from '../../functions/domain/stats.ts';

const queue = { visible: 1, in_flight: 2, dead_letter: 3 };

describe('summariseStats', () => {
  it('sums sharded counters per topic and in total', () => {
    const rows = [
      { topic: 'a', received: 3, uniqueProcessed: 2, duplicateDropped: 1, rejected: 0, lastProcessedAt: '2026-11-22T10:00:00Z' },
      { topic: 'a', received: 5, uniqueProcessed: 5, duplicateDropped: 0, rejected: 0, lastProcessedAt: '2026-11-22T11:00:00Z' },
      { topic: 'b', received: 2, uniqueProcessed: 1, duplicateDropped: 1, rejected: 0 },
      { received: 0, uniqueProcessed: 0, duplicateDropped: 0, rejected: 4 },
    ];
    const started = new Date('2026-11-22T09:00:00Z');
    const stats = summariseStats(rows, queue, started, new Date('2026-11-22T09:01:40Z'));
    expect(stats).toMatchObject({
      received: 10,
      unique_processed: 8,
      duplicate_dropped: 2,
      rejected: 4,
      topics: {
        a: { received: 8, unique_processed: 7, duplicate_dropped: 1 },
        b: { received: 2, unique_processed: 1, duplicate_dropped: 1 },
      },
      queue,
      uptime_seconds: 100,
      last_processed_at: '2026-11-22T11:00:00Z',
    });
  });

  it('answers zeros before anything was processed', () => {
    expect(summariseStats([], queue, undefined, new Date())).toMatchObject({
      received: 0,
      topics: {},
      last_processed_at: null,
      started_at: null,
    });
  });
});
