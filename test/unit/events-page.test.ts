import { describe, expect, it } from 'vitest';
import { timeKey } from '../../functions/adapters/items.ts';
import type { StoredEvent } from '../../functions/domain/event.ts';
import { type EventReader, parseEventsQuery, readEventsPage, type TimelineRange } from '../../functions/domain/events-page.ts';
import { AppError } from '../../functions/shared/errors.ts';

/** A reader over an in-memory list, with the same range semantics as the DynamoDB adapter. */
class ListReader implements EventReader {
  private readonly events: StoredEvent[];
  constructor(events: StoredEvent[]) {
    this.events = events;
  }
  async topics() {
    return [...new Set(this.events.map((e) => e.topic))];
  }
  async timeline(topic: string, range: TimelineRange, limit: number) {
    const sorted = this.events
      .filter((e) => e.topic === topic)
      .map((event) => ({ timeKey: timeKey(event), event }))
      .sort((a, b) => (a.timeKey < b.timeKey ? -1 : 1));
    if (range.order === 'desc') sorted.reverse();
    const bound = range.bound;
    const inRange = sorted.filter(({ timeKey: key }) =>
      !bound ? true : range.order === 'asc' ? key > bound.key : bound.inclusive ? key <= bound.key : key < bound.key,
    );
    return inRange.slice(0, limit);
  }
}

const event = (topic: string, second: number, id: string): StoredEvent => ({
  topic,
  event_id: id,
  timestamp: `2026-11-22T10:00:${String(second).padStart(2, '0')}.000Z`,
  source: 's',
  payload: {},
  stored_at: '',
});

// Several topics share timestamps, so ties across topics must still page exactly.
const all = Array.from({ length: 37 }, (_, i) => event(`t${i % 3}`, i % 7, `e${i}`));

async function walk(reader: EventReader, topic: string | undefined, limit: number) {
  const seen: StoredEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await readEventsPage({ topic, limit, cursor }, reader);
    expect(page.count).toBe(page.events.length);
    expect(page.count).toBeLessThanOrEqual(limit);
    seen.push(...page.events);
    if (!page.next_cursor) return seen;
    expect(page.count).toBe(limit);
    cursor = page.next_cursor;
  }
  throw new Error('did not finish');
}

describe('readEventsPage', () => {
  it.each([1, 2, 5, 50])('walks one topic oldest first, every event exactly once (limit %i)', async (limit) => {
    const seen = await walk(new ListReader(all), 't1', limit);
    const expected = all.filter((e) => e.topic === 't1').sort((a, b) => (timeKey(a) < timeKey(b) ? -1 : 1));
    expect(seen.map((e) => e.event_id)).toEqual(expected.map((e) => e.event_id));
  });

  it.each([1, 3, 4, 100])('walks all topics newest first, every event exactly once (limit %i)', async (limit) => {
    const seen = await walk(new ListReader(all), undefined, limit);
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen.map((e) => e.event_id)).size).toBe(all.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1]!.timestamp >= seen[i]!.timestamp).toBe(true);
  });

  it('rejects a cursor from another topic or one that was tampered with', async () => {
    const reader = new ListReader(all);
    const page = await readEventsPage({ topic: 't0', limit: 2 }, reader);
    await expect(readEventsPage({ topic: 't1', limit: 2, cursor: page.next_cursor! }, reader)).rejects.toThrow(/another query/);
    await expect(readEventsPage({ limit: 2, cursor: 'garbage' }, reader)).rejects.toBeInstanceOf(AppError);
  });
});

describe('readEventsPage across topics', () => {
  it('asks for a topic when there are too many topics to merge', async () => {
    const many = Array.from({ length: 2001 }, (_, i) => event(`t${i}`, 0, `e${i}`));
    await expect(readEventsPage({ limit: 5 }, new ListReader(many))).rejects.toThrow(/pass \?topic=/);
    expect((await readEventsPage({ limit: 5, topic: 't7' }, new ListReader(many))).count).toBe(1);
  });
});

describe('parseEventsQuery', () => {
  it('defaults the limit and validates it', () => {
    expect(parseEventsQuery(null)).toEqual({ limit: 50 });
    expect(parseEventsQuery({ limit: '1000', topic: 'a' })).toEqual({ limit: 1000, topic: 'a' });
    for (const limit of ['0', '1001', '-1', 'abc', '1.5', '99999999999']) {
      expect(() => parseEventsQuery({ limit })).toThrow(AppError);
    }
  });
});
