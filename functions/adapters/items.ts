import { shardOf } from '../domain/consume.ts';
import type { LogEvent, StoredEvent } from '../domain/event.ts';

/**
 * Item layout, in one place for writers and readers.
 *
 * Events table: key (topic, event_id), so the dedup gate is a conditional put on the identity
 * itself; GSI `by-time` (topic, ts_key) serves /events in timestamp order without a Scan.
 *
 * Ledger table (pk, sk):
 *   counters#<shard> / group#<g>   per topic of the group: received|<topic>, unique|<topic>,
 *                                  duplicates|<topic>; and last_processed_at
 *   counters#<shard> / rejected    rejected, last_processed_at
 *   delivery#<marker> / marker     one per applied chunk: proof that a redelivery is one
 *
 * A transaction updates one counter item per topic group it touches, so with few topics (the
 * default is one group) its counters cost one write whatever the number of topics in it.
 */
export const byTimeIndex = 'by-time';
export const counterPartition = (shard: number) => `counters#${shard}`;
export const counterGroupKey = (group: number) => `group#${group}`;
export const topicGroupOf = (topic: string, groups: number) => shardOf(topic, groups);
export const rejectedCounterKey = 'rejected';

const counterKinds = ['received', 'unique', 'duplicates'] as const;
export type CounterKind = (typeof counterKinds)[number];
export const counterAttribute = (kind: CounterKind, topic: string) => `${kind}|${topic}`;

/** Every topic's counters held by one counter item. */
export function countersOfItem(item: Record<string, unknown>): Map<string, Record<CounterKind, number>> {
  const topics = new Map<string, Record<CounterKind, number>>();
  for (const [name, value] of Object.entries(item)) {
    const bar = name.indexOf('|');
    if (bar < 0) continue;
    const kind = name.slice(0, bar) as CounterKind;
    if (!counterKinds.includes(kind)) continue;
    const topic = name.slice(bar + 1);
    const counts = topics.get(topic) ?? { received: 0, unique: 0, duplicates: 0 };
    counts[kind] += Number(value ?? 0);
    topics.set(topic, counts);
  }
  return topics;
}
export const markerKey = (markerId: string) => ({ pk: `delivery#${markerId}`, sk: 'marker' });

/** Sorts by time, then event_id so that equal timestamps still have a total order. */
export const timeKey = (event: Pick<LogEvent, 'timestamp' | 'event_id'>) => `${event.timestamp}#${event.event_id}`;

export interface EventItem {
  topic: string;
  event_id: string;
  timestamp: string;
  source: string;
  /** Stored as the JSON text so that it round-trips exactly (DynamoDB numbers and nesting do not). */
  payload: string;
  ts_key: string;
  delivery_id: string;
  stored_at: string;
  expires_at?: number;
}

export function toEventItem(event: LogEvent, deliveryId: string, now: Date, expiresAt?: number): EventItem {
  return {
    topic: event.topic,
    event_id: event.event_id,
    timestamp: event.timestamp,
    source: event.source,
    payload: JSON.stringify(event.payload),
    ts_key: timeKey(event),
    delivery_id: deliveryId,
    stored_at: now.toISOString(),
    expires_at: expiresAt,
  };
}

export function fromEventItem(item: Record<string, unknown>): StoredEvent {
  return {
    topic: String(item.topic),
    event_id: String(item.event_id),
    timestamp: String(item.timestamp),
    source: String(item.source),
    payload: JSON.parse(String(item.payload)) as Record<string, unknown>,
    stored_at: String(item.stored_at),
  };
}
