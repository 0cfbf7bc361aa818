import { describe, expect, it } from 'vitest';
import { timeKey } from '../../functions/adapters/items.ts';
import { InvalidQueryError } from '../../functions/domain/errors.ts';
import type { StoredEvent } from '../../functions/domain/event.ts';
import { parseEventsQuery, readEventsPage } from '../../functions/domain/events-page.ts';
import { mergeLanes } from '../../functions/domain/timeline.ts';
import { MemoryEventStore } from '../support/memory-event-store.ts';

const event = (topic: string, second: number, id: string, source = 's', payload: Record<string, unknown> = {}): StoredEvent => ({
  topic,
  event_id: id,
  timestamp: `2026-11-22T10:00:${String(second).padStart(2, '0')}.000Z`,
  source,
  payload,
  stored_at: '',
});

// Several topics share timestamps, so ties across topics and lanes must still page exactly.
const all = Array.from({ length: 37 }, (_, i) => event(`t${i % 3}`, i % 7, `e${i}`, i % 2 ? 'odd' : 'even'));
const byKey = (a: StoredEvent, b: StoredEvent) => (timeKey(a) < timeKey(b) ? -1 : 1);

async function walk(store: MemoryEventStore, params: Record<string, string>) {
  const seen: StoredEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await readEventsPage(parseEventsQuery({ ...params, ...(cursor ? { cursor } : {}) }), store);
    expect(page.count).toBe(page.events.length);
    expect(page.count).toBeLessThanOrEqual(Number(params.limit ?? 50));
    seen.push(...page.events);
    if (!page.next_cursor) return seen;
    cursor = page.next_cursor;
  }
  throw new Error('did not finish');
}

describe('readEventsPage', () => {
  it.each(['1', '2', '5', '50'])('walks one topic oldest first, every event exactly once (limit %s)', async (limit) => {
    const seen = await walk(new MemoryEventStore(all), { topic: 't1', limit });
    expect(seen).toEqual(all.filter((e) => e.topic === 't1').sort(byKey));
  });

  it.each(['1', '3', '10', '1000'])('walks every topic newest first, every event exactly once (limit %s)', async (limit) => {
    const seen = await walk(new MemoryEventStore(all, 8), { limit });
    expect(seen).toEqual([...all].sort(byKey).reverse());
  });

  it('honours limit exactly while events remain', async () => {
    const page = await readEventsPage(parseEventsQuery({ limit: '10' }), new MemoryEventStore(all));
    expect(page.count).toBe(10);
    expect(page.next_cursor).not.toBeNull();
  });

  it.each(['asc', 'desc'])('takes since and until as inclusive bounds, across pages (%s)', async (order) => {
    const seen = await walk(new MemoryEventStore(all), { since: '2026-11-22T10:00:02Z', until: '2026-11-22T10:00:05Z', order, limit: '2' });
    const expected = all.filter((e) => e.timestamp >= '2026-11-22T10:00:02' && e.timestamp <= '2026-11-22T10:00:05.000Z').sort(byKey);
    expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
    expect(seen.some((e) => e.timestamp.startsWith('2026-11-22T10:00:02'))).toBe(true);
    expect(seen.some((e) => e.timestamp.startsWith('2026-11-22T10:00:05'))).toBe(true);
  });

  it('compares bounds to the nanosecond, however many digits either side has', async () => {
    const at = (fraction: string, id: string) => ({ ...event('n', 0, id), timestamp: `2026-11-22T10:00:00${fraction}Z` });
    const store = new MemoryEventStore([at('.1', 'a'), at('.100000001', 'b'), at('.10000001', 'c'), at('', 'd'), at('.2', 'e')]);
    const ids = async (params: Record<string, string>) => (await walk(store, { topic: 'n', ...params })).map((e) => e.event_id);
    expect(await ids({})).toEqual(['d', 'a', 'b', 'c', 'e']);
    expect(await ids({ since: '2026-11-22T10:00:00.100Z', until: '2026-11-22T10:00:00.100000001Z' })).toEqual(['a', 'b']);
    expect(await ids({ since: '2026-11-22T10:00:00.100000001Z', until: '2026-11-22T10:00:00.2Z' })).toEqual(['b', 'c', 'e']);
    expect(await ids({ until: '2026-11-22T10:00:00Z' })).toEqual(['d']);
    expect(await ids({ since: '2026-11-22T12:00:00.2+02:00', until: '2026-11-22T10:00:00.200000000Z' })).toEqual(['e']);
  });

  it('reads a zone-shifted bound as the same instant', async () => {
    const seen = await walk(new MemoryEventStore(all), { since: '2026-11-22T12:00:06+02:00', topic: 't0', limit: '50' });
    expect(seen.every((e) => e.timestamp >= '2026-11-22T10:00:06')).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('filters by source', async () => {
    const seen = await walk(new MemoryEventStore(all), { source: 'odd', limit: '4' });
    expect(seen).toEqual(
      all
        .filter((e) => e.source === 'odd')
        .sort(byKey)
        .reverse(),
    );
  });

  it('stops a page at the byte cap, with a cursor, and still walks every event once', async () => {
    const big = Array.from({ length: 30 }, (_, i) => event('big', i % 60, `b${i}`, 's', { blob: 'x'.repeat(190 * 1024) }));
    const store = new MemoryEventStore(big);
    const first = await readEventsPage(parseEventsQuery({ topic: 'big', limit: '50' }), store);
    expect(first.count).toBeLessThan(30);
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(6 * 1024 * 1024);
    expect(first.next_cursor).not.toBeNull();
    expect(await walk(store, { topic: 'big', limit: '50' })).toEqual([...big].sort(byKey));
  });

  it('refuses a cursor used with other filters, and bad parameters, naming them', () => {
    const store = new MemoryEventStore(all);
    return (async () => {
      const page = await readEventsPage(parseEventsQuery({ topic: 't1', limit: '2' }), store);
      for (const other of [
        { topic: 't2' },
        { topic: 't1', source: 'odd' },
        { topic: 't1', order: 'desc' },
        { topic: 't1', since: '2026-01-01T00:00:00Z' },
      ]) {
        await expect(readEventsPage(parseEventsQuery({ ...other, limit: '2', cursor: page.next_cursor! }), store)).rejects.toBeInstanceOf(
          InvalidQueryError,
        );
      }
      await expect(readEventsPage(parseEventsQuery({ cursor: 'bm90IGEgY3Vyc29y' }), store)).rejects.toBeInstanceOf(InvalidQueryError);
      for (const bad of [
        { limit: '0' },
        { limit: '1001' },
        { limit: 'ten' },
        { since: 'yesterday' },
        { until: '2026-11-22' },
        { order: 'up' },
        { topc: 'x' },
      ]) {
        expect(() => parseEventsQuery(bad), JSON.stringify(bad)).toThrow(InvalidQueryError);
      }
      expect(() => parseEventsQuery({ since: '2026-11-23T00:00:00Z', until: '2026-11-22T00:00:00Z' })).toThrow(InvalidQueryError);
      try {
        parseEventsQuery({ since: '2026-11-23T00:00:00Z', until: '2026-11-22T00:00:00Z' });
      } catch (error) {
        expect((error as InvalidQueryError).details).toEqual([{ path: 'since', message: 'since must not be later than until' }]);
      }
      try {
        parseEventsQuery({ topc: 'x' });
      } catch (error) {
        expect((error as InvalidQueryError).details).toEqual([{ path: 'topc', message: 'unknown query parameter' }]);
      }
    })();
  });
});

describe('mergeLanes', () => {
  it('stops at its read budget with a cursor that loses nothing, even when a filter keeps few entries', async () => {
    const many = Array.from({ length: 400 }, (_, i) => event('t', i % 60, `m${i}`, i % 37 === 0 ? 'rare' : 'common'));
    const store = new MemoryEventStore(many, 8);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 500; pages++) {
      const lower = after === undefined ? '0' : after;
      const lanes = store.lanes('t', { lower, upper: '~' }, 'asc', 'rare').map((lane) => ({
        read: async (max: number) => {
          const read = await lane.read(max);
          return { ...read, entries: read.entries.filter((e) => e.key !== after) };
        },
      }));
      const page = await mergeLanes(lanes, 'asc', { limit: 3, maxBytes: 1e9, maxScanned: 40 });
      seen.push(...page.entries.map((e) => e.id));
      if (page.resumeAfter === undefined) break;
      after = page.resumeAfter;
    }
    const expected = many
      .filter((e) => e.source === 'rare')
      .sort(byKey)
      .map((e) => JSON.stringify([e.topic, e.event_id]));
    expect(seen).toEqual(expected);
  });
});

describe('cursors a client forged', () => {
  const forged = (k: unknown, query: Record<string, string> = {}) => {
    const filters = parseEventsQuery(query);
    const f = JSON.parse(Buffer.from(readPageCursor(filters), 'base64url').toString()).f;
    return Buffer.from(JSON.stringify({ f, k })).toString('base64url');
  };
  let firstCursor = '';
  const readPageCursor = (_filters: unknown) => firstCursor;

  it.each([['0\ud800'], [''], ['x'.repeat(1400)], ['2026-11-22T10:00:00.000000000Z#short'], [42]])(
    'refuses a cursor whose key is %j with 400, before any query',
    async (k) => {
      const store = new MemoryEventStore(all);
      const page = await readEventsPage(parseEventsQuery({ limit: '1' }), store);
      firstCursor = page.next_cursor!;
      expect(() => parseEventsQuery({ limit: '1', cursor: forged(k) })).not.toThrow();
      await expect(readEventsPage(parseEventsQuery({ limit: '1', cursor: forged(k) }), store)).rejects.toBeInstanceOf(InvalidQueryError);
    },
  );
});
