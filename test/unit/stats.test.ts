import { describe, expect, it } from 'vitest';
import type { Counts } from '../../functions/domain/counts.ts';
import { InvalidQueryError } from '../../functions/domain/errors.ts';
import { type CounterStore, parseStatsQuery, readStats, rememberSuccess, type TopicPosition } from '../../functions/domain/stats.ts';

const queue = { visible: 1, in_flight: 2, dead_letter: 3 };
const counts = (received: number, unique: number): Counts => ({ received, unique, duplicates: received - unique });

/** Topics in pages of the requested size, in name order. */
class ListCounters implements CounterStore {
  readonly topics: Array<[string, Counts]>;
  constructor(topics: Array<[string, Counts]>) {
    this.topics = topics;
  }
  async readTotals() {
    return { counts: counts(10, 8), rejected: 4, lastProcessedAt: '2026-11-22T11:00:00Z' };
  }
  async readTopic(topic: string) {
    return this.topics.find(([name]) => name === topic)?.[1];
  }
  async readTopicPage(limit: number, after: TopicPosition | undefined) {
    const rest = this.topics.filter(([name]) => after === undefined || name > after.topic);
    const page = rest.slice(0, limit);
    return { topics: page, next: rest.length > limit ? { partition: 0, topic: page.at(-1)![0] } : undefined };
  }
}

const sources = (store: CounterStore) => ({
  counters: store,
  queueDepth: async () => queue,
  startedAt: async () => new Date('2026-11-22T09:00:00Z'),
  now: () => new Date('2026-11-22T09:01:40Z'),
});

describe('readStats', () => {
  it('answers totals from the totals alone, with the queue and uptime', async () => {
    const stats = await readStats(parseStatsQuery({ topics_limit: '0' }), sources(new ListCounters([['a', counts(3, 2)]])));
    expect(stats).toEqual({
      received: 10,
      unique_processed: 8,
      duplicate_dropped: 2,
      rejected: 4,
      topics: {},
      topics_next_cursor: null,
      queue,
      started_at: '2026-11-22T09:00:00.000Z',
      uptime_seconds: 100,
      last_processed_at: '2026-11-22T11:00:00Z',
    });
  });

  it('pages through topics with a cursor, each exactly once', async () => {
    const store = new ListCounters(
      Array.from({ length: 25 }, (_, i) => [`t${String(i).padStart(2, '0')}`, counts(i, i)] as [string, Counts]),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const stats = await readStats(parseStatsQuery({ topics_limit: '10', ...(cursor ? { topics_cursor: cursor } : {}) }), sources(store));
      seen.push(...Object.keys(stats.topics));
      cursor = stats.topics_next_cursor;
    } while (cursor);
    expect(seen).toEqual(store.topics.map(([name]) => name));
  });

  it('answers one topic by name', async () => {
    const stats = await readStats(
      parseStatsQuery({ topic: 'b' }),
      sources(
        new ListCounters([
          ['a', counts(1, 1)],
          ['b', counts(3, 2)],
        ]),
      ),
    );
    expect(stats.topics).toEqual({ b: { received: 3, unique_processed: 2, duplicate_dropped: 1 } });
  });

  it('refuses bad parameters', () => {
    for (const bad of [{ topics_limit: '1001' }, { topics_limit: '-1' }, { topic: '' }, { topcs_limit: '5' }]) {
      expect(() => parseStatsQuery(bad), JSON.stringify(bad)).toThrow(InvalidQueryError);
    }
    return expect(readStats(parseStatsQuery({ topics_cursor: 'garbage' }), sources(new ListCounters([])))).rejects.toBeInstanceOf(
      InvalidQueryError,
    );
  });

  it.each([
    { partition: 0, topic: '' },
    { partition: 0, topic: '\ud800' },
    { partition: 0, topic: 'x'.repeat(257) },
    { partition: -1, topic: 'a' },
    { partition: 1e12, topic: 'a' },
  ])('refuses a forged topics_cursor %j with 400, before any query reaches the table', async (position) => {
    const store = new ListCounters([]);
    const cursor = Buffer.from(JSON.stringify(position)).toString('base64url');
    await expect(readStats(parseStatsQuery({ topics_cursor: cursor }), sources(store))).rejects.toBeInstanceOf(InvalidQueryError);
  });
});

describe('rememberSuccess', () => {
  it('asks again after a failure instead of remembering it, then remembers the first answer', async () => {
    let calls = 0;
    const lookup = rememberSuccess(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return new Date(calls);
    });
    await expect(lookup()).rejects.toThrow('throttled');
    expect((await lookup()).getTime()).toBe(2);
    expect((await lookup()).getTime()).toBe(2);
    expect(calls).toBe(2);
  });

  it("shares one lookup between callers, each bounded by its own deadline, none cancelled by another's", async () => {
    let finish: (date: Date) => void = () => {};
    let seen: AbortSignal | undefined;
    const lookup = rememberSuccess((signal) => {
      seen = signal;
      return new Promise<Date>((resolve) => {
        finish = resolve;
      });
    });
    const first = new AbortController();
    const firstAnswer = lookup(first.signal);
    first.abort(new DOMException('ended', 'AbortError'));
    await expect(firstAnswer).rejects.toThrow('ended');
    // The lookup itself runs on: the first caller's end does not reach it.
    expect(seen?.aborted ?? false).toBe(false);
    const second = lookup(new AbortController().signal);
    finish(new Date(7));
    expect((await second).getTime()).toBe(7);
  });
});

describe('a topic named in a query', () => {
  it('is refused when it holds a control character: the counters’ sort keys use U+0001 and U+0002 as separators', () => {
    for (const topic of ['billing\u000167', 'x\u0001', 'a\u0002', 'tab\there'])
      expect(() => parseStatsQuery({ topic })).toThrow(InvalidQueryError);
  });
});
