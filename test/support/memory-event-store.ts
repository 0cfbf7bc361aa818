import { timeKey } from '../../functions/adapters/items.ts';
import type { StoredEvent } from '../../functions/domain/event.ts';
import type { EventStore, KeyRange } from '../../functions/domain/events-page.ts';
import { bucketOf } from '../../functions/domain/hash.ts';
import { eventKey } from '../../functions/domain/identity.ts';
import type { Lane, Order, TimelineEntry } from '../../functions/domain/timeline.ts';

/** An EventStore over a list, with the DynamoDB adapter's semantics: lanes, inclusive key ranges, a filter that still counts what it examined. */
export class MemoryEventStore implements EventStore {
  readonly events: StoredEvent[];
  readonly laneCount: number;
  /** Index entries examined by all lanes, for budget checks. */
  examined = 0;

  constructor(events: StoredEvent[], laneCount = 4) {
    this.events = events;
    this.laneCount = laneCount;
  }

  lanes(topic: string | undefined, range: KeyRange, order: Order, source: string | undefined): Lane[] {
    return Array.from({ length: this.laneCount }, (_, lane) => {
      const entries = this.events
        .filter((e) => (topic === undefined || e.topic === topic) && bucketOf(eventKey(e), this.laneCount) === lane)
        .map((e) => ({ key: timeKey(e), event: e }))
        .filter(({ key }) => key >= range.lower && key <= range.upper)
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      if (order === 'desc') entries.reverse();
      let position = 0;
      return {
        read: async (max: number) => {
          const examined = entries.slice(position, position + max);
          position += examined.length;
          this.examined += examined.length;
          const kept: TimelineEntry[] = examined
            .filter(({ event }) => source === undefined || event.source === source)
            .map(({ key, event }) => ({ key, id: eventKey(event), bytes: Buffer.byteLength(JSON.stringify(event)) }));
          return { entries: kept, scanned: examined.length, frontier: position < entries.length ? examined.at(-1)?.key : undefined };
        },
      };
    });
  }

  async readEvents(ids: string[]) {
    const wanted = new Set(ids);
    return new Map(this.events.filter((e) => wanted.has(eventKey(e))).map((e) => [eventKey(e), e]));
  }
}
