import { describe, expect, it } from 'vitest';
import { countKeys } from '../../scripts/lib/convergence.ts';
import { runLoad } from '../../scripts/lib/load.ts';
import { drained, everyTopicCounts, testApi } from '../support/api.ts';
import { makeEvent, type TestEvent, uniqueTopic } from '../support/events.ts';

describe('stats invariant after a mixed load', () => {
  it('received = events sent, unique = distinct events sent, per-topic sums equal totals', async () => {
    const before = await drained();
    const topics = Array.from({ length: 4 }, (_, i) => uniqueTopic(`mix${i}`));
    const distinct: TestEvent[] = Array.from({ length: 600 }, (_, i) => makeEvent({ topic: topics[i % topics.length]!, payload: { i } }));
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const duplicates = Array.from({ length: 250 }, () => distinct[Math.floor(random() * distinct.length)]!);
    const all = [...distinct, ...duplicates].sort(() => random() - 0.5);

    const batches: TestEvent[][] = [];
    for (let i = 0; i < all.length; i += 1 + Math.floor(random() * 60)) batches.push(all.slice(i, i + 1 + Math.floor(random() * 60)));
    // Re-send a few whole batches as a retrying client would.
    const resent = batches.filter((_, i) => i % 7 === 0);
    const sent = [...batches, ...resent];
    // Eight clients: enough to interleave batches, narrow enough not to cold-start past the local timeout.
    const load = await runLoad(
      sent.map((batch) => batch.map((event) => ({ payload: {}, ...event }))),
      { api: testApi, concurrency: 8 },
    );
    expect({ ambiguous: load.ambiguous, abandoned: load.abandoned, statuses: load.statuses }).toMatchObject({ ambiguous: 0, abandoned: 0 });
    expect(load.accepted).toHaveLength(sent.flat().length);
    const accepted = load.accepted.length;
    const sentEvents = sent.flat();
    const uniqueSent = new Set(sentEvents.map((e) => `${e.topic}|${e.event_id}`)).size;

    const after = await drained();
    expect(after.received - before.received).toBe(accepted);
    expect(after.unique_processed - before.unique_processed).toBe(uniqueSent);
    expect(after.duplicate_dropped - before.duplicate_dropped).toBe(accepted - uniqueSent);
    const everyTopic = await everyTopicCounts();
    for (const key of countKeys) {
      const sum = Object.values(everyTopic).reduce((total, topic) => total + topic[key], 0);
      expect(sum).toBe(after[key]);
    }
    for (const topic of topics) {
      const mine = sentEvents.filter((e) => e.topic === topic);
      expect(everyTopic[topic]).toEqual({
        received: mine.length,
        unique_processed: new Set(mine.map((e) => e.event_id)).size,
        duplicate_dropped: mine.length - new Set(mine.map((e) => e.event_id)).size,
      });
    }
  });
});
